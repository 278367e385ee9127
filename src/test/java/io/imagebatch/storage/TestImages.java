package io.imagebatch.storage;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;

import javax.imageio.ImageIO;

/** Real images for download tests, made with ImageIO. */
final class TestImages {

    private TestImages() {
    }

    /** @return a real PNG of the given size, filled with noise so it does not compress to nothing */
    static byte[] png(int width, int height) {
        return encode(noise(width, height), "png");
    }

    /** @return a real JPEG of the given size */
    static byte[] jpeg(int width, int height) {
        return encode(noise(width, height), "jpg");
    }

    /** @return bytes that start like a WEBP file (RIFF container, WEBP form, VP8L chunk); only sniffed, never decoded */
    static byte[] webpLike(int size) {
        byte[] bytes = new byte[size];
        new Random(7).nextBytes(bytes);
        System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, bytes, 0, 4);
        int riffSize = size - 8;
        bytes[4] = (byte) riffSize;
        bytes[5] = (byte) (riffSize >> 8);
        bytes[6] = (byte) (riffSize >> 16);
        bytes[7] = (byte) (riffSize >> 24);
        System.arraycopy("WEBPVP8L".getBytes(StandardCharsets.US_ASCII), 0, bytes, 8, 8);
        return bytes;
    }

    /** @return SHA-256 of {@code bytes} as lower-case hex */
    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BufferedImage noise(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(width * 31L + height);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
