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

    /**
     * @return a WEBP file of {@code size} bytes (even, at least 30): a RIFF container holding one VP8L chunk whose
     *         header declares 300 x 200 pixels, followed by noise; its structure is valid, its pixels are never
     *         decoded
     */
    static byte[] webpLike(int size) {
        byte[] bytes = new byte[size];
        new Random(7).nextBytes(bytes);
        System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, bytes, 0, 4);
        littleEndian(bytes, 4, size - 8);
        System.arraycopy("WEBPVP8L".getBytes(StandardCharsets.US_ASCII), 0, bytes, 8, 8);
        littleEndian(bytes, 16, size - 20);
        bytes[20] = 0x2f; // VP8L signature, then 14 bits width - 1 and 14 bits height - 1
        int bits = (300 - 1) | (200 - 1) << 14;
        littleEndian(bytes, 21, bits);
        return bytes;
    }

    /** @return a real PNG of {@code width} x {@code height} whose IHDR then declares other dimensions (CRC fixed) */
    static byte[] pngDeclaring(int width, int height, int declaredWidth, int declaredHeight) {
        byte[] png = png(width, height);
        java.nio.ByteBuffer.wrap(png).putInt(16, declaredWidth).putInt(20, declaredHeight);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(png, 12, 17);
        java.nio.ByteBuffer.wrap(png).putInt(29, (int) crc.getValue());
        return png;
    }

    private static void littleEndian(byte[] b, int off, int value) {
        b[off] = (byte) value;
        b[off + 1] = (byte) (value >> 8);
        b[off + 2] = (byte) (value >> 16);
        b[off + 3] = (byte) (value >> 24);
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
