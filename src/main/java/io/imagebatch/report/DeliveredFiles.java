package io.imagebatch.report;

import io.imagebatch.ledger.LedgerDownloads;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.rendition.Rendition;
import io.imagebatch.storage.OutputStore;
import io.imagebatch.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * What {@code manifest.json} says about a finished batch's delivered files beyond the counts
 * ({@link BatchManifest#toJson(DeliveredFiles)}): each stored row's renditions (README.md, "Renditions") and how
 * many stored images went out without their AI-generated label (README.md, "Labelled as AI-generated"). Read in
 * one streaming pass over the ledger; the list of renditions grows with the catalogue (one entry per stored row), so
 * the report step streams them instead ({@link #forEachRow}, {@link BatchManifest#writeJson}).
 *
 * @param renditions each stored row's renditions, in row order; empty when the batch has none
 * @param unlabelled stored images without the label (ledger {@code ERROR_CODE}
 *                   {@value LedgerDownloads#UNLABELLED}), 0 or more
 */
public record DeliveredFiles(List<RowRenditions> renditions, long unlabelled) {

    /**
     * One stored row's renditions.
     *
     * @param row        the 1-based catalogue row number
     * @param rowId      the row id
     * @param renditions the row's renditions, in the job file's order
     */
    public record RowRenditions(long row, String rowId, List<RenditionFile> renditions) {
    }

    /**
     * One rendition file.
     *
     * @param name   the rendition's name
     * @param uri    where it is ({@link Rendition#uriBeside})
     * @param width  its width in pixels: the rendition's for {@code crop} and {@code pad}; read from the stored
     *               file's header for {@code contain} (at most the rendition's), or 0 when it cannot be read
     * @param height its height in pixels, as {@code width}
     * @param format {@code jpg}, {@code png} or {@code webp}
     */
    public record RenditionFile(String name, String uri, int width, int height, String format) {
    }

    /**
     * Reads a batch's delivered files from the ledger (and, for {@code contain} renditions only, each file's
     * header from the store).
     *
     * @param ledger     the ledger
     * @param batchId    the batch
     * @param renditions the batch's renditions, possibly empty
     * @param store      the batch's output store, for the size of {@code contain} renditions
     * @return the files
     */
    public static DeliveredFiles read(TaskLedger ledger, String batchId, List<Rendition> renditions,
            OutputStore store) {
        List<RowRenditions> rows = new ArrayList<>();
        forEachRow(ledger, batchId, renditions, store, rows::add);
        return new DeliveredFiles(List.copyOf(rows), unlabelled(ledger, batchId));
    }

    /**
     * Counts the batch's stored images without the AI-generated label (ledger {@code ERROR_CODE}
     * {@value LedgerDownloads#UNLABELLED}), in one streaming pass over the ledger.
     *
     * @param ledger  the ledger
     * @param batchId the batch
     * @return the count, 0 or more
     */
    public static long unlabelled(TaskLedger ledger, String batchId) {
        long[] unlabelled = {0};
        ledger.report().forEachInRowOrder(batchId, entry -> {
            if (entry.state() == RowState.STORED && entry.outputUri() != null
                    && LedgerDownloads.UNLABELLED.equals(entry.errorCode())) {
                unlabelled[0]++;
            }
        });
        return unlabelled[0];
    }

    /**
     * Reads each stored row's renditions in one streaming pass over the ledger and hands them on one row at a
     * time, so that nothing grows with the catalogue (the report step writes {@code manifest.json} this way:
     * {@link BatchManifest#writeJson}). Reads each {@code contain} rendition's header from the store.
     *
     * @param ledger     the ledger
     * @param batchId    the batch
     * @param renditions the batch's renditions; nothing is handed on when empty
     * @param store      the batch's output store, for the size of {@code contain} renditions
     * @param each       called once per stored row, in row order
     */
    public static void forEachRow(TaskLedger ledger, String batchId, List<Rendition> renditions, OutputStore store,
            Consumer<RowRenditions> each) {
        if (renditions.isEmpty()) {
            return;
        }
        ledger.report().forEachInRowOrder(batchId, entry -> {
            if (entry.state() != RowState.STORED || entry.outputUri() == null) {
                return;
            }
            String file = entry.outputUri().substring(entry.outputUri().lastIndexOf('/') + 1);
            int dot = file.lastIndexOf('.');
            String stem = dot > 0 ? file.substring(0, dot) : file;
            List<RenditionFile> files = new ArrayList<>();
            for (Rendition r : renditions) {
                int width = r.width();
                int height = r.height();
                if (r.fit() == Rendition.Fit.CONTAIN) {
                    int[] size = size(store, r.key(batchId, stem)).orElse(new int[] {0, 0});
                    width = size[0];
                    height = size[1];
                }
                files.add(new RenditionFile(r.name(), r.uriBeside(entry.outputUri()), width, height,
                        r.format().extension()));
            }
            each.accept(new RowRenditions(entry.rowNum(), entry.rowId(), List.copyOf(files)));
        });
    }

    /** Width and height from an image file's header (no pixel decoded); empty when it cannot be read. */
    private static Optional<int[]> size(OutputStore store, String key) {
        try {
            Optional<StoredObject> stored = store.open(key);
            if (stored.isEmpty()) {
                return Optional.empty();
            }
            try (StoredObject object = stored.get(); InputStream in = object.content();
                    ImageInputStream image = ImageIO.createImageInputStream(in)) {
                Iterator<ImageReader> readers = ImageIO.getImageReaders(image);
                if (!readers.hasNext()) {
                    return Optional.empty();
                }
                ImageReader reader = readers.next();
                try {
                    reader.setInput(image, true, true);
                    return Optional.of(new int[] {reader.getWidth(0), reader.getHeight(0)});
                } finally {
                    reader.dispose();
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
