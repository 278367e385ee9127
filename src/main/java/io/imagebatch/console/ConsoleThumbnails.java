package io.imagebatch.console;

import io.imagebatch.storage.OutputStoreException;
import io.imagebatch.storage.StoredObject;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import net.coobird.thumbnailator.Thumbnails;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's thumbnails (README, "The console's files"): a stored image made small once, as a JPEG that fits in
 * {@value #MAX_SIDE} x {@value #MAX_SIDE} pixels (never enlarged), and kept on disk as
 * {@code <folder>/<batch id>/<row number>-<attempt>.jpg}, so that every later request is one file read. A new
 * attempt of a row (retry-failed, a redo) has a new image and so a new thumbnail.
 *
 * <p>The source is streamed from the output store through ImageIO (which caches what it has read in a temporary
 * file, never the whole object in a byte array); only the decoded picture is in memory, decoded at a reduced
 * resolution (every n-th pixel) when it is much larger than the thumbnail. An image over the decompression-bomb
 * guard ({@code imagebatch.download.max-pixels}, as the download step) or one ImageIO cannot decode (corrupt,
 * or a format it has no reader for; PNG and JPEG are the JDK's, WebP the TwelveMonkeys plugin's) has no thumbnail; that is remembered with an empty
 * {@code <row number>-<attempt>.none} file, so it is not read again at every request. A store that fails while
 * the image is read is not remembered: the next request tries again.
 *
 * <p>At most as many thumbnails as the machine has processors (2 or more) are made at once; other requests wait.
 *
 * <p>Files are written to a temporary file in the same folder and moved in place atomically: a reader sees a
 * whole thumbnail or none. Two requests making the same thumbnail at once both write it; the last move wins with
 * the same content.
 */
public final class ConsoleThumbnails {

    /** The longest side of a thumbnail, px. */
    public static final int MAX_SIDE = 320;
    /** JPEG quality of a thumbnail, 0 to 1. */
    private static final float QUALITY = 0.85f;
    /** Batch ids as the engine makes them: one safe path segment ({@code name-<12 hex digits>}). */
    private static final Pattern SAFE_BATCH_ID = Pattern.compile("[A-Za-z0-9._-]{1,160}");

    private static final Logger log = LoggerFactory.getLogger(ConsoleThumbnails.class);

    private final Path folder;
    private final long maxPixels;
    /**
     * Thumbnails made at once: a decoded picture can take tens of MB (4 bytes a pixel), and a contact sheet asks
     * for a page of them at a time; the others wait their turn.
     */
    private final Semaphore making = new Semaphore(Math.max(2, Runtime.getRuntime().availableProcessors()));

    /**
     * @param folder    the cache folder ({@code imagebatch.console.thumbnail-dir}); created when first needed
     * @param maxPixels the largest source image decoded, in pixels (width times height)
     */
    public ConsoleThumbnails(Path folder, long maxPixels) {
        this.folder = folder.toAbsolutePath().normalize();
        this.maxPixels = maxPixels;
    }

    /** @return the cache folder, absolute */
    public Path folder() {
        return folder;
    }

    /**
     * The thumbnail of one attempt of a row: the cached file, made first when there is none.
     *
     * @param batchId the batch id, as the batch registry knows it (one path segment of {@code [A-Za-z0-9._-]})
     * @param rowNum  the row number, 1 or more
     * @param attempt the row's attempt, 1 or more
     * @param source  opens the stored image; empty when it is not in the store. Called only when the thumbnail
     *                is not cached yet
     * @return the thumbnail file (a JPEG of at most {@value #MAX_SIDE} px a side); empty when the image is not
     *         in the store, or cannot be decoded or is too large (then remembered)
     * @throws IllegalArgumentException when the batch id is not one safe path segment or a number is below 1
     * @throws OutputStoreException     when the store could not be read (not remembered)
     * @throws UncheckedIOException     when the cache folder cannot be written
     */
    public Optional<Path> thumbnail(String batchId, long rowNum, int attempt,
            Supplier<Optional<StoredObject>> source) {
        return thumbnail(batchId, rowNum, 1, attempt, source);
    }

    /**
     * The thumbnail of one attempt of one variant of a row (README.md, Variants): as
     * {@link #thumbnail(String, long, int, Supplier)}, cached apart per variant ({@code <row>-<attempt>.jpg} for
     * variant 1, as before variants; {@code <row>v<variant>-<attempt>.jpg} for the others).
     *
     * @param batchId the batch id, as the batch registry knows it (one path segment of {@code [A-Za-z0-9._-]})
     * @param rowNum  the row number, 1 or more
     * @param variant the variant, 1 or more (1 for a row without variants)
     * @param attempt the variant's attempt, 1 or more
     * @param source  opens the stored image; empty when it is not in the store. Called only when the thumbnail
     *                is not cached yet
     * @return the thumbnail file (a JPEG of at most {@value #MAX_SIDE} px a side); empty when the image is not
     *         in the store, or cannot be decoded or is too large (then remembered)
     * @throws IllegalArgumentException when the batch id is not one safe path segment or a number is below 1
     * @throws OutputStoreException     when the store could not be read (not remembered)
     * @throws UncheckedIOException     when the cache folder cannot be written
     */
    public Optional<Path> thumbnail(String batchId, long rowNum, int variant, int attempt,
            Supplier<Optional<StoredObject>> source) {
        if (variant < 1) {
            throw new IllegalArgumentException("variant " + variant + ": must be 1 or more");
        }
        if (!SAFE_BATCH_ID.matcher(batchId).matches() || batchId.equals(".") || batchId.equals("..")) {
            throw new IllegalArgumentException("not a batch id: " + batchId);
        }
        if (rowNum < 1 || attempt < 1) {
            throw new IllegalArgumentException("row " + rowNum + ", attempt " + attempt + ": both must be 1 or more");
        }
        Path dir = folder.resolve(batchId);
        String stem = rowNum + (variant == 1 ? "" : "v" + variant) + "-" + attempt;
        Path file = dir.resolve(stem + ".jpg");
        Path none = dir.resolve(stem + ".none");
        if (Files.isRegularFile(file)) {
            return Optional.of(file);
        }
        if (Files.exists(none)) {
            return Optional.empty();
        }
        making.acquireUninterruptibly();
        try {
            if (Files.isRegularFile(file)) {
                return Optional.of(file); // made by a request this one waited for
            }
            return make(batchId, rowNum, attempt, source, dir, file, none);
        } finally {
            making.release();
        }
    }

    private Optional<Path> make(String batchId, long rowNum, int attempt, Supplier<Optional<StoredObject>> source,
            Path dir, Path file, Path none) {
        Optional<StoredObject> opened = source.get();
        if (opened.isEmpty()) {
            return Optional.empty();
        }
        try {
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, "." + rowNum + "-" + attempt + ".", ".part");
            try {
                boolean made;
                try (StoredObject object = opened.get(); OutputStream out = Files.newOutputStream(temp)) {
                    made = write(object.content(), out, batchId, rowNum);
                }
                if (made) {
                    move(temp, file);
                    return Optional.of(file);
                }
                Files.deleteIfExists(temp);
                Files.createFile(none);
                return Optional.empty();
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return Optional.empty(); // another request remembered it at the same moment
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the thumbnail " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Decodes the image and writes its thumbnail.
     *
     * @return false when the image cannot be decoded or is too large
     * @throws OutputStoreException when reading the store failed
     * @throws IOException          when writing {@code out} failed
     */
    private boolean write(InputStream content, OutputStream out, String batchId, long rowNum) throws IOException {
        WatchedInputStream watched = new WatchedInputStream(content);
        BufferedImage picture;
        try {
            picture = decode(watched, batchId, rowNum);
        } catch (IOException | RuntimeException e) {
            if (watched.failure != null) {
                throw new OutputStoreException("could not read the image of row " + rowNum + " of batch " + batchId
                        + " from its store: " + watched.failure.getMessage(), watched.failure);
            }
            log.warn("Batch {}, row {}: no thumbnail, the stored image cannot be decoded: {}", batchId, rowNum,
                    e.toString());
            return false;
        }
        if (picture == null) {
            return false;
        }
        BufferedImage opaque = onWhite(picture);
        Thumbnails.Builder<BufferedImage> builder = Thumbnails.of(opaque);
        if (opaque.getWidth() > MAX_SIDE || opaque.getHeight() > MAX_SIDE) {
            builder.size(MAX_SIDE, MAX_SIDE);
        } else {
            builder.scale(1.0);
        }
        builder.imageType(BufferedImage.TYPE_INT_RGB).outputFormat("jpg").outputQuality(QUALITY)
                .toOutputStream(out);
        return true;
    }

    /** @return the decoded picture, or null when there is no reader for it or it is too large */
    private BufferedImage decode(InputStream content, String batchId, long rowNum) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(content)) {
            if (in == null) {
                return null;
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                log.warn("Batch {}, row {}: no thumbnail, the stored image is in no format this console can read",
                        batchId, rowNum);
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if ((long) width * height > maxPixels) {
                    log.warn("Batch {}, row {}: no thumbnail, the stored image has {} x {} pixels, more than the {}"
                            + " of imagebatch.download.max-pixels", batchId, rowNum, width, height, maxPixels);
                    return null;
                }
                ImageReadParam param = reader.getDefaultReadParam();
                // decode at no less than twice the thumbnail's size, so the resize still has pixels to smooth
                int step = Math.max(1, Math.min(width, height) / (2 * MAX_SIDE));
                if (step > 1) {
                    param.setSourceSubsampling(step, step, 0, 0);
                }
                return reader.read(0, param);
            } finally {
                reader.dispose();
            }
        }
    }

    /** A picture with transparency, flattened on white (JPEG has none; black would be ImageIO's default). */
    private static BufferedImage onWhite(BufferedImage picture) {
        if (!picture.getColorModel().hasAlpha()) {
            return picture;
        }
        BufferedImage opaque = new BufferedImage(picture.getWidth(), picture.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = opaque.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, picture.getWidth(), picture.getHeight());
            g.drawImage(picture, 0, 0, null);
        } finally {
            g.dispose();
        }
        return opaque;
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Remembers a failure of the store's stream, so it is told from a corrupt image. */
    private static final class WatchedInputStream extends FilterInputStream {

        private volatile IOException failure;

        WatchedInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return super.skip(n);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }
    }
}
