package io.imagebatch.sandbox;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Draws the stand-in image of a task as PNG bytes: a vertical gradient between two colours derived from a
 * SHA-256 of the prompt, with the first words of the prompt, the task id and the pixel size written on it. The
 * image is 8-bit indexed and its rows are flat, so even a 4K image encodes in a few hundred milliseconds and
 * weighs tens of kilobytes. The same task always gives the same bytes. Thread-safe and stateless.
 */
final class ImageRenderer {

    private static final int GRADIENT_COLOURS = 254;
    private static final byte INK = (byte) 254;
    private static final byte SHADOW = (byte) 255;
    private static final int PROMPT_CHARS = 32;

    private ImageRenderer() {
    }

    /**
     * @param taskId the task id, written on the image
     * @param prompt the prompt: its hash picks the colours, its first words are written on the image
     * @param size   the pixel size
     * @return a PNG of exactly {@code size}
     * @throws UncheckedIOException when the PNG encoder fails (it writes to memory, so it should not)
     */
    static byte[] renderPng(String taskId, String prompt, ImageSize size) {
        byte[] hash = sha256(prompt);
        BufferedImage image = new BufferedImage(size.width(), size.height(), BufferedImage.TYPE_BYTE_INDEXED,
                palette(hash));
        byte[] pixels = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        fillGradient(pixels, size);
        drawText(pixels, size, promptLines(prompt), taskId, size.toString());
        return encode(image);
    }

    /**
     * Re-encodes a rendered PNG as JPEG (the JDK's writer, default quality), for
     * {@link SandboxSettings#jpegImages()}.
     *
     * @param png a PNG of {@link #renderPng}
     * @return the same picture as JPEG bytes
     * @throws UncheckedIOException when decoding or encoding fails (both in memory, so they should not)
     */
    static byte[] toJpeg(byte[] png) {
        try {
            BufferedImage indexed = ImageIO.read(new java.io.ByteArrayInputStream(png));
            BufferedImage rgb = new BufferedImage(indexed.getWidth(), indexed.getHeight(),
                    BufferedImage.TYPE_INT_RGB);
            java.awt.Graphics2D g = rgb.createGraphics();
            g.drawImage(indexed, 0, 0, null);
            g.dispose();
            ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 * 1024);
            try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
                writer.setOutput(out);
                writer.write(rgb);
            } finally {
                writer.dispose();
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("sandbox: JPEG encoding failed", e);
        }
    }

    private static IndexColorModel palette(byte[] hash) {
        int[] top = {hash[0] & 0xFF, hash[1] & 0xFF, hash[2] & 0xFF};
        int[] bottom = {hash[3] & 0xFF, hash[4] & 0xFF, hash[5] & 0xFF};
        byte[] r = new byte[256];
        byte[] g = new byte[256];
        byte[] b = new byte[256];
        for (int i = 0; i < GRADIENT_COLOURS; i++) {
            r[i] = (byte) (top[0] + (bottom[0] - top[0]) * i / (GRADIENT_COLOURS - 1));
            g[i] = (byte) (top[1] + (bottom[1] - top[1]) * i / (GRADIENT_COLOURS - 1));
            b[i] = (byte) (top[2] + (bottom[2] - top[2]) * i / (GRADIENT_COLOURS - 1));
        }
        // light text on a dark background and the other way round, so it stays legible
        int luminance = (299 * (top[0] + bottom[0]) + 587 * (top[1] + bottom[1]) + 114 * (top[2] + bottom[2]))
                / 2000;
        byte ink = (byte) (luminance < 128 ? 255 : 0);
        byte shadow = (byte) (luminance < 128 ? 0 : 255);
        r[254] = ink;
        g[254] = ink;
        b[254] = ink;
        r[255] = shadow;
        g[255] = shadow;
        b[255] = shadow;
        return new IndexColorModel(8, 256, r, g, b);
    }

    private static void fillGradient(byte[] pixels, ImageSize size) {
        int w = size.width();
        int h = size.height();
        for (int y = 0; y < h; y++) {
            byte colour = (byte) ((long) y * (GRADIENT_COLOURS - 1) / Math.max(1, h - 1));
            Arrays.fill(pixels, y * w, (y + 1) * w, colour);
        }
    }

    /** The first words of the prompt, at most {@value #PROMPT_CHARS} characters, on one or two lines. */
    private static List<String> promptLines(String prompt) {
        StringBuilder text = new StringBuilder();
        for (String word : prompt.strip().split("\\s+")) {
            String glyphs = BitmapFont.normalize(word);
            if (glyphs.isEmpty()) {
                continue;
            }
            if (text.length() + (text.length() > 0 ? 1 : 0) + glyphs.length() > PROMPT_CHARS) {
                if (text.length() == 0) {
                    text.append(glyphs, 0, PROMPT_CHARS);
                }
                break;
            }
            text.append(text.length() > 0 ? " " : "").append(glyphs);
        }
        String all = text.toString();
        if (all.isEmpty()) {
            return List.of();
        }
        int split = all.length() <= PROMPT_CHARS / 2 ? -1 : all.lastIndexOf(' ', all.length() / 2);
        if (split < 0 && all.length() > PROMPT_CHARS / 2) {
            split = all.indexOf(' ', all.length() / 2);
        }
        return split < 0 ? List.of(all) : List.of(all.substring(0, split), all.substring(split + 1));
    }

    /** Prompt lines large, then the task id and the size smaller, centred as a block. */
    private static void drawText(byte[] pixels, ImageSize size, List<String> promptLines, String taskId,
            String dimensions) {
        int w = size.width();
        int h = size.height();
        int bigCap = Math.max(1, h / (BitmapFont.HEIGHT * 10));
        List<String> lines = new ArrayList<>(promptLines);
        List<Integer> scales = new ArrayList<>();
        for (String line : promptLines) {
            scales.add(fit(line, w, bigCap));
        }
        for (String line : List.of(BitmapFont.normalize(taskId), dimensions)) {
            lines.add(line);
            scales.add(fit(line, w, Math.max(1, bigCap / 2)));
        }
        int blockHeight = 0;
        for (int scale : scales) {
            blockHeight += (BitmapFont.HEIGHT + 3) * scale;
        }
        int y = Math.max(0, (h - blockHeight) / 2);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int scale = scales.get(i);
            int x = Math.max(0, (w - line.length() * BitmapFont.ADVANCE * scale) / 2);
            int offset = Math.max(1, scale / 3);
            drawLine(pixels, size, line, x + offset, y + offset, scale, SHADOW);
            drawLine(pixels, size, line, x, y, scale, INK);
            y += (BitmapFont.HEIGHT + 3) * scale;
        }
    }

    /** The largest scale, at most {@code cap}, at which {@code line} fits 90% of the width; at least 1. */
    private static int fit(String line, int width, int cap) {
        int byWidth = (int) (width * 0.9) / Math.max(1, line.length() * BitmapFont.ADVANCE);
        return Math.max(1, Math.min(cap, byWidth));
    }

    private static void drawLine(byte[] pixels, ImageSize size, String line, int x0, int y0, int scale,
            byte colour) {
        for (int i = 0; i < line.length(); i++) {
            boolean[][] glyph = BitmapFont.glyph(line.charAt(i));
            int gx = x0 + i * BitmapFont.ADVANCE * scale;
            for (int row = 0; row < BitmapFont.HEIGHT; row++) {
                for (int col = 0; col < BitmapFont.WIDTH; col++) {
                    if (glyph[row][col]) {
                        fillBlock(pixels, size, gx + col * scale, y0 + row * scale, scale, colour);
                    }
                }
            }
        }
    }

    private static void fillBlock(byte[] pixels, ImageSize size, int x, int y, int scale, byte colour) {
        int x1 = Math.min(size.width(), x + scale);
        int y1 = Math.min(size.height(), y + scale);
        for (int yy = Math.max(0, y); yy < y1; yy++) {
            int rowStart = yy * size.width();
            Arrays.fill(pixels, rowStart + Math.max(0, x), rowStart + Math.max(Math.max(0, x), x1), colour);
        }
    }

    private static byte[] encode(BufferedImage image) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(16 * 1024);
        // a memory-cached stream: ImageIO.write(image, "png", OutputStream) would buffer through temp files
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            writer.write(image);
        } catch (IOException e) {
            throw new UncheckedIOException("sandbox: PNG encoding failed", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JVM", e);
        }
    }
}
