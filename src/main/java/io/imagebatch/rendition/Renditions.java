package io.imagebatch.rendition;

import io.imagebatch.label.ImageLabel;
import io.imagebatch.label.ImageLabeller;
import io.imagebatch.label.UnlabellableImageException;
import io.imagebatch.storage.OutputStore;
import io.imagebatch.storage.OutputStoreException;
import io.imagebatch.storage.StoredObject;
import java.awt.AlphaComposite;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import net.coobird.thumbnailator.Thumbnails;
import net.coobird.thumbnailator.geometry.Positions;

/**
 * Makes the renditions of a stored image (README.md, "Renditions"): scales it with Thumbnailator (high-quality
 * resampling) to each {@link Rendition}'s size and fit, in sRGB, and writes it in the rendition's format
 * (JPEG and PNG through the JDK's ImageIO writers, WebP through the {@code webp-imageio} writer over libwebp).
 * JPEG has no alpha: transparent pixels are laid on the rendition's background first. Reads any image ImageIO
 * reads here (PNG, JPEG, WebP through TwelveMonkeys). Stateless and safe for concurrent use.
 */
public final class Renditions {

    /** Makes renditions; holds nothing. */
    public Renditions() {
    }

    /**
     * Makes the renditions of the image stored under {@code imageKey} that are not in the store yet, and stores
     * each under {@link Rendition#key(String, String)}: a resume makes only the missing ones. The image is read
     * once from the store and decoded once, and only when at least one rendition is missing; each rendition is
     * written to a temporary file first and stored with {@link OutputStore#putFile}, so a store's retries apply
     * and a failure leaves nothing under the rendition's key.
     *
     * @param store      the output store holding the image, and receiving the renditions
     * @param imageKey   the stored image's key, for example {@code batch-7/row-42.png}
     * @param batchId    the batch id (first segment of the renditions' keys)
     * @param rowId      the row id as it appears in the image's key
     * @param renditions the renditions wanted, in order
     * @return each rendition's name to its URI, in the order of {@code renditions} (those made before included)
     * @throws RenditionException   when the image is not in the store or cannot be decoded, or a rendition
     *                              cannot be made (no writer, an encoder failure); the message names the image
     *                              and the rendition: the row fails, never the batch
     * @throws OutputStoreException when the store cannot be read or written after its own retries (a store that
     *                              keeps failing stops the job, docs/design.md, "Output store")
     */
    public Map<String, URI> makeMissing(OutputStore store, String imageKey, String batchId, String rowId,
            List<Rendition> renditions) {
        return makeMissing(store, imageKey, batchId, rowId, renditions, null);
    }

    /**
     * Makes the missing renditions as {@link #makeMissing(OutputStore, String, String, String, List)} does, each
     * labelled as AI-generated (README.md, "Labelled as AI-generated"): the encoded rendition gets
     * {@code label}'s XMP packet ({@link ImageLabeller}, no re-encoding) before it is stored. A rendition is
     * ImageBatch's own encoder output, so one that cannot take the label is an error of the rendition (the row
     * fails with the reason; it is never delivered unlabelled).
     *
     * @param store      the output store holding the image, and receiving the renditions
     * @param imageKey   the stored image's key
     * @param batchId    the batch id
     * @param rowId      the row id as it appears in the image's key
     * @param renditions the renditions wanted, in order
     * @param label      what each rendition says about itself, or null for no label
     * @return each rendition's name to its URI, in the order of {@code renditions}
     * @throws RenditionException   as the overload, and when a rendition cannot take the label
     * @throws OutputStoreException when the store cannot be read or written after its own retries
     */
    public Map<String, URI> makeMissing(OutputStore store, String imageKey, String batchId, String rowId,
            List<Rendition> renditions, ImageLabel label) {
        return make(store, imageKey, batchId, rowId, renditions, label, true);
    }

    /**
     * Makes the renditions as {@link #makeMissing(OutputStore, String, String, String, List, ImageLabel)} does,
     * either keeping those already in the store ({@code keepExisting}: a resume of the same image) or making every
     * one again over what is there (a new image under the same key, such as a redone row's next attempt: a
     * rendition of the earlier image must never be delivered as one of the new image).
     *
     * @param store        the output store holding the image, and receiving the renditions
     * @param imageKey     the stored image's key
     * @param batchId      the batch id
     * @param rowId        the row id as it appears in the image's key
     * @param renditions   the renditions wanted, in order
     * @param label        what each rendition says about itself, or null for no label
     * @param keepExisting true to make only the renditions not in the store yet; false to make (and replace) all
     * @return each rendition's name to its URI, in the order of {@code renditions}
     * @throws RenditionException   as {@link #makeMissing(OutputStore, String, String, String, List, ImageLabel)}
     * @throws OutputStoreException when the store cannot be read or written after its own retries
     */
    public Map<String, URI> make(OutputStore store, String imageKey, String batchId, String rowId,
            List<Rendition> renditions, ImageLabel label, boolean keepExisting) {
        Map<String, URI> made = new LinkedHashMap<>();
        BufferedImage source = null;
        for (Rendition rendition : renditions) {
            String key = rendition.key(batchId, rowId);
            try {
                if (keepExisting && store.size(key).isPresent()) {
                    made.put(rendition.name(), store.uriOf(key));
                    continue;
                }
                if (source == null) {
                    source = read(store, imageKey);
                }
                Path file = Files.createTempFile("imagebatch-rendition-", "." + rendition.format().extension());
                try {
                    try (OutputStream out = Files.newOutputStream(file)) {
                        write(render(source, rendition), rendition, out);
                    }
                    Path labelled = file;
                    if (label != null) {
                        labelled = Files.createTempFile("imagebatch-rendition-", ".labelled");
                        ImageLabeller.label(file, label.xmp(), labelled);
                    }
                    try {
                        made.put(rendition.name(), store.putFile(key, labelled, rendition.format().contentType()));
                    } finally {
                        if (labelled != file) {
                            Files.deleteIfExists(labelled);
                        }
                    }
                } finally {
                    Files.deleteIfExists(file);
                }
            } catch (UnlabellableImageException e) {
                throw new RenditionException("rendition " + rendition.name() + " of " + store.uriOf(imageKey)
                        + " could not be labelled: " + e.getMessage(), e);
            } catch (OutputStoreException e) {
                throw e;
            } catch (IOException | RuntimeException e) {
                throw new RenditionException("rendition " + rendition.name() + " of " + store.uriOf(imageKey)
                        + " could not be made: " + e.getMessage(), e);
            }
        }
        return made;
    }

    private static BufferedImage read(OutputStore store, String imageKey) throws IOException {
        Optional<StoredObject> stored = store.open(imageKey);
        if (stored.isEmpty()) {
            throw new RenditionException("no image is stored at " + store.uriOf(imageKey) + " to make renditions"
                    + " from", null);
        }
        try (StoredObject object = stored.get(); InputStream in = object.content()) {
            return decode(in);
        }
    }

    /**
     * Decodes an image.
     *
     * @param in the encoded image (PNG, JPEG, WebP, or any format an installed ImageIO reader knows); not closed
     * @return the decoded image
     * @throws IOException        when reading fails
     * @throws RenditionException when no ImageIO reader recognises the content
     */
    public static BufferedImage decode(InputStream in) throws IOException {
        BufferedImage image = ImageIO.read(in);
        if (image == null) {
            throw new RenditionException("the stored image is in no format that can be read (PNG, JPEG, WebP)",
                    null);
        }
        return image;
    }

    /**
     * Brings an image to a rendition's size and fit, in sRGB. The result has alpha (ARGB) only when the format
     * keeps it and the fit leaves transparent pixels possible ({@link Rendition.Fit#CROP},
     * {@link Rendition.Fit#CONTAIN} in PNG or WebP); otherwise it is RGB laid on the background.
     *
     * @param source    the decoded image, any colour model
     * @param rendition the rendition
     * @return a new image: exactly {@code width x height} pixels for crop and pad, at most that (the source's
     *         aspect ratio kept, each side at least 1 pixel) for contain
     * @throws IOException when Thumbnailator fails to resize
     */
    public static BufferedImage render(BufferedImage source, Rendition rendition) throws IOException {
        BufferedImage srgb = toSrgb(source);
        BufferedImage scaled = switch (rendition.fit()) {
            case CROP -> Thumbnails.of(srgb).size(rendition.width(), rendition.height())
                    .crop(Positions.CENTER).asBufferedImage();
            case PAD, CONTAIN -> Thumbnails.of(srgb).size(rendition.width(), rendition.height())
                    .keepAspectRatio(true).asBufferedImage();
        };
        boolean keepAlpha = rendition.format() != Rendition.Format.JPG && rendition.fit() != Rendition.Fit.PAD;
        if (keepAlpha) {
            return scaled;
        }
        int width = rendition.fit() == Rendition.Fit.PAD ? rendition.width() : scaled.getWidth();
        int height = rendition.fit() == Rendition.Fit.PAD ? rendition.height() : scaled.getHeight();
        BufferedImage flat = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = flat.createGraphics();
        try {
            g.setColor(rendition.backgroundColor());
            g.fillRect(0, 0, width, height);
            g.setComposite(AlphaComposite.SrcOver);
            g.drawImage(scaled, (width - scaled.getWidth()) / 2, (height - scaled.getHeight()) / 2, null);
        } finally {
            g.dispose();
        }
        return flat;
    }

    /** Draws any image into an sRGB ARGB image (ColorConvert by Java2D: ICC-tagged, grey and indexed sources). */
    private static BufferedImage toSrgb(BufferedImage source) {
        if (source.getType() == BufferedImage.TYPE_INT_ARGB || source.getType() == BufferedImage.TYPE_INT_RGB) {
            return source;
        }
        BufferedImage copy = new BufferedImage(source.getWidth(), source.getHeight(),
                BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = copy.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_COLOR_RENDERING, RenderingHints.VALUE_COLOR_RENDER_QUALITY);
            g.drawImage(source, 0, 0, null);
        } finally {
            g.dispose();
        }
        return copy;
    }

    /**
     * Encodes an image in a rendition's format, at its quality when lossy.
     *
     * @param image     the image ({@link #render}'s result; ARGB is laid on the background for JPEG)
     * @param rendition the rendition, for its format, quality and background
     * @param out       where the encoded bytes go; not closed
     * @throws IOException        when writing fails
     * @throws RenditionException when no ImageIO writer for the format is installed
     */
    public static void write(BufferedImage image, Rendition rendition, OutputStream out) throws IOException {
        Rendition.Format format = rendition.format();
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByMIMEType(format.contentType());
        if (!writers.hasNext()) {
            throw new RenditionException("no ImageIO writer for " + format.contentType() + " is installed", null);
        }
        ImageWriter writer = writers.next();
        BufferedImage encoded = image;
        if (format == Rendition.Format.JPG && image.getColorModel().hasAlpha()) {
            encoded = render(image, new Rendition(rendition.name(), image.getWidth(), image.getHeight(),
                    Rendition.Fit.PAD, rendition.background(), format, rendition.quality()));
        }
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (format.lossy() && param.canWriteCompressed()) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                String[] types = param.getCompressionTypes();
                if (types != null && types.length > 0) {
                    param.setCompressionType(format == Rendition.Format.WEBP ? lossyType(types) : types[0]);
                }
                param.setCompressionQuality(rendition.quality() / 100f);
            }
            writer.write(null, new IIOImage(encoded, null, null), param);
        } finally {
            writer.dispose();
        }
    }

    private static String lossyType(String[] types) {
        for (String type : types) {
            if (type.equalsIgnoreCase("Lossy")) {
                return type;
            }
        }
        return types[0];
    }
}
