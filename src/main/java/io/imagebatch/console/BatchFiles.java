package io.imagebatch.console;

import io.imagebatch.job.BatchSettings;
import io.imagebatch.job.BatchSettingsStore;
import io.imagebatch.ledger.LedgerEntry;
import io.imagebatch.ledger.LedgerImages;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.report.BatchManifest;
import io.imagebatch.rendition.Rendition;
import io.imagebatch.report.ContactSheet;
import io.imagebatch.storage.DownloadProperties;
import io.imagebatch.storage.OutputLocation;
import io.imagebatch.storage.OutputStore;
import io.imagebatch.storage.OutputStores;
import io.imagebatch.storage.StorageProperties;
import io.imagebatch.storage.StoredObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Profile;
import org.springframework.http.MediaType;
import org.springframework.http.MediaTypeFactory;
import org.springframework.stereotype.Service;

/**
 * The files of a batch as the console serves them (README, "The console's files"): a row's stored image,
 * its renditions (README.md, "Renditions"), its thumbnail ({@link ConsoleThumbnails}), the report files the report step wrote ({@code report.csv},
 * {@code report.html}, {@code manifest.json}, under {@code <output>/<batch id>/}), and the whole batch as one ZIP
 * archive, streamed. Everything is read from the batch's own output store (a folder or S3, the
 * {@code imagebatch.s3.*} settings), found from the batch's settings in the batch registry; nothing is read whole
 * into memory.
 *
 * <p>Every method first asks {@link ConsoleBatches#requireVisible} whether the requester may see the batch (at
 * every request, nothing kept: a batch that is no longer the requester's team's is hidden at once; docs/console.md,
 * "Who may do what"), and answers
 * {@link BatchNotFoundException} for an unknown batch, a batch the requester may not see, an unknown row, and a
 * file that is not (or no longer) stored. Paths on disk are built only from the batch id as the registry knows it
 * and from numbers, never from other request text.
 */
@Service
@Profile("serve") // serve's profile: the console runs only in serve (the console package may not name serve)
public class BatchFiles implements DisposableBean {

    /** Rows read from the ledger per query while an archive is streamed. */
    static final int ARCHIVE_PAGE = 200;

    private static final Logger log = LoggerFactory.getLogger(BatchFiles.class);

    private final ObjectProvider<ConsoleBatches> batches;
    private final BatchSettingsStore settings;
    private final TaskLedger ledger;
    private final LedgerImages images;
    private final StorageProperties storage;
    private final ConsoleThumbnails thumbnails;
    /** One store per output location, made on first use, closed with the context. */
    private final Map<OutputLocation, OutputStore> stores = new ConcurrentHashMap<>();

    /**
     * @param batches       who may see which batch: the console's {@link ConsoleBatches}; when the context has
     *                      none, no batch is visible
     * @param settings      batch settings by id (where each batch stores its files)
     * @param ledger        the task ledger (each row's state, attempt and stored image)
     * @param storage       the S3 settings the job stores with
     * @param download      the download settings, for the decompression-bomb guard
     *                      ({@code imagebatch.download.max-pixels}) of thumbnails
     * @param thumbnailDir  where thumbnails are cached ({@code imagebatch.console.thumbnail-dir}, default
     *                      {@code ./imagebatch-console/thumbnails})
     */
    public BatchFiles(ObjectProvider<ConsoleBatches> batches, BatchSettingsStore settings, TaskLedger ledger,
            StorageProperties storage, DownloadProperties download,
            @Value("${imagebatch.console.thumbnail-dir:./imagebatch-console/thumbnails}") Path thumbnailDir) {
        this.batches = batches;
        this.settings = settings;
        this.ledger = ledger;
        this.images = new LedgerImages(ledger);
        this.storage = storage;
        this.thumbnails = new ConsoleThumbnails(thumbnailDir, download.maxPixels());
    }

    /**
     * A file read from a store, to send as it is read. Close it (it holds the store's stream).
     *
     * @param content     the file's bytes
     * @param length      its length in bytes
     * @param contentType its MIME type, for example {@code image/png}
     * @param fileName    its file name, for example {@code SKU-1.png} (a store key's last segment)
     * @param etag        a strong entity tag of the content, quoted; null when none is known without reading it
     */
    public record FileContent(InputStream content, long length, String contentType, String fileName, String etag)
            implements AutoCloseable {

        /** Closes the content stream; a failure to close is logged, not thrown. */
        @Override
        public void close() {
            try {
                content.close();
            } catch (IOException e) {
                log.debug("could not close {}: {}", fileName, e.toString());
            }
        }
    }

    /**
     * A thumbnail in the cache.
     *
     * @param file the JPEG file
     * @param etag its strong entity tag, quoted: from the source image's SHA-256 and the thumbnail's size
     */
    public record Thumbnail(Path file, String etag) {
    }

    /**
     * The report files of a batch: their names in the URL and their store keys under {@code <batch id>/}.
     */
    public enum ReportFile {
        /** {@code report.csv}, one line per row ({@code BatchOutputKeys.report}). */
        REPORT_CSV("report.csv", "text/csv;charset=UTF-8"),
        /** {@code report.html}, the contact sheet. */
        REPORT_HTML(ContactSheet.FILE_NAME, "text/html;charset=UTF-8"),
        /** {@code manifest.json}, the batch's facts and outcome. */
        MANIFEST_JSON(BatchManifest.FILE_NAME, "application/json");

        private final String fileName;
        private final String contentType;

        ReportFile(String fileName, String contentType) {
            this.fileName = fileName;
            this.contentType = contentType;
        }

        /** @return the file's name, for example {@code report.csv} */
        public String fileName() {
            return fileName;
        }

        /** @return its MIME type */
        public String contentType() {
            return contentType;
        }

        /**
         * @param name a file name as the URL gives it
         * @return the report file of that exact name; empty for any other name
         */
        public static Optional<ReportFile> named(String name) {
            for (ReportFile file : values()) {
                if (file.fileName.equals(name)) {
                    return Optional.of(file);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * A batch's archive, to be written to a response.
     *
     * @param fileName the archive's file name: {@code <batch id>.zip}
     * @param writer   writes the archive
     */
    public record Archive(String fileName, ArchiveWriter writer) {

        /**
         * Writes the whole archive to {@code out}, as it reads the store (see {@link BatchFiles#archive}).
         *
         * @param out the response's stream; finished (the ZIP's central directory written) but not closed
         * @throws IOException when {@code out} or the store fails; the archive is then cut short
         */
        public void writeTo(OutputStream out) throws IOException {
            writer.writeTo(out);
        }
    }

    /** Writes an archive to a stream. */
    @FunctionalInterface
    public interface ArchiveWriter {
        /**
         * @param out where to write
         * @throws IOException when writing or reading fails
         */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * The stored image of a row (its current attempt).
     *
     * @param who     the requester
     * @param batchId the batch
     * @param rowNum  the row's number (1 = first data row)
     * @return the image, streamed from the store; its content type from its key's extension, its ETag from the
     *         SHA-256 the download step recorded
     * @throws BatchNotFoundException when the batch is unknown or not visible, the row unknown, or the row has no
     *                                stored image (not STORED, or the object is gone from the store)
     * @throws io.imagebatch.storage.OutputStoreException when the store cannot be read
     */
    public FileContent image(Requester who, String batchId, long rowNum) {
        return image(who, batchId, rowNum, 1);
    }

    /**
     * The stored image of one variant of a row (README.md, Variants: {@code <row id>-<k>.<ext>}), with the same
     * visibility as {@link #image(Requester, String, long)}.
     *
     * @param who     the requester
     * @param batchId the batch
     * @param rowNum  the row's number (1 = first data row)
     * @param variant the variant, 1 to 8 (1 for a row without variants)
     * @return the image, streamed from the store; its content type from its key's extension, its ETag from the
     *         SHA-256 the download step recorded
     * @throws BatchNotFoundException when the batch is unknown or not visible, the row or variant unknown, or it has
     *                                no stored image (not STORED, or the object is gone from the store)
     * @throws io.imagebatch.storage.OutputStoreException when the store cannot be read
     */
    public FileContent image(Requester who, String batchId, long rowNum, int variant) {
        Batch batch = visible(who, batchId);
        LedgerEntry row = storedRow(batch, rowNum, variant);
        String key = keyOf(batch, row);
        StoredObject object = batch.store().open(key).orElseThrow(() -> gone(batch, row));
        return new FileContent(object.content(), object.length(), contentType(key), fileName(key),
                row.sha256() == null ? null : "\"" + row.sha256() + "\"");
    }

    /**
     * The image an earlier attempt of a row stored, kept under the row's history by a redo (README, "Redo a
     * row"), streamed from the store.
     *
     * @param who     the requester
     * @param batchId the batch
     * @param rowNum  the row
     * @param attempt the earlier attempt's number, 1 first
     * @return the image; the caller closes it
     * @throws BatchNotFoundException when the batch is unknown or not visible, the row has no such earlier
     *                                attempt, the attempt kept no image, or the image is gone from the store
     */
    public FileContent attemptImage(Requester who, String batchId, long rowNum, int attempt) {
        Batch batch = visible(who, batchId);
        String uri = ledger.report().attempts(batch.id(), rowNum).stream()
                .filter(a -> a.attempt() == attempt && a.outputUri() != null)
                .map(a -> a.outputUri()).findFirst()
                .orElseThrow(() -> new BatchNotFoundException("row " + rowNum + " of batch " + batch.id()
                        + " has no earlier attempt " + attempt + " with an image"));
        String key = batch.location().keyOf(uri(uri)).orElseThrow(() -> new BatchNotFoundException("the image of"
                + " attempt " + attempt + " of row " + rowNum + " (" + uri + ") is not in the batch's output"));
        StoredObject object = batch.store().open(key).orElseThrow(() -> new BatchNotFoundException("the image of"
                + " attempt " + attempt + " of row " + rowNum + " (" + uri + ") is no longer in the store"));
        return new FileContent(object.content(), object.length(), contentType(key), fileName(key), null);
    }

    /**
     * The ETag {@link #image} would answer, without opening the store: to answer {@code 304 Not Modified}
     * cheaply.
     *
     * @param who     the requester
     * @param batchId the batch
     * @param rowNum  the row
     * @return the quoted ETag of the row's stored image; empty when the row has no stored image or no SHA-256
     * @throws BatchNotFoundException when the batch is unknown or not visible
     */
    public Optional<String> imageEtag(Requester who, String batchId, long rowNum) {
        return imageEtag(who, batchId, rowNum, 1);
    }

    /**
     * The ETag {@link #image(Requester, String, long, int)} would answer, without opening the store.
     *
     * @param who     the requester
     * @param batchId the batch
     * @param rowNum  the row
     * @param variant the variant, 1 to 8 (1 for a row without variants)
     * @return the quoted ETag of the variant's stored image; empty when it has no stored image or no SHA-256
     * @throws BatchNotFoundException when the batch is unknown or not visible
     */
    public Optional<String> imageEtag(Requester who, String batchId, long rowNum, int variant) {
        Batch batch = visible(who, batchId);
        return ledger.find(batch.id(), rowNum, variant)
                .filter(row -> row.state() == RowState.STORED && row.sha256() != null)
                .map(row -> "\"" + row.sha256() + "\"");
    }

    /**
     * The thumbnail of a row's stored image: made once per attempt and then served from the cache, even when
     * the source is gone from the store afterwards.
     *
     * @param who     the requester
     * @param batchId the batch
     * @param rowNum  the row
     * @return the JPEG thumbnail, at most {@value ConsoleThumbnails#MAX_SIDE} px a side
     * @throws BatchNotFoundException when the batch is unknown or not visible, the row unknown or without a
     *                                stored image, or the image cannot be made small (corrupt, not decodable,
     *                                over the pixel limit)
     * @throws io.imagebatch.storage.OutputStoreException when the store cannot be read
     */
    public Thumbnail thumbnail(Requester who, String batchId, long rowNum) {
        return thumbnail(who, batchId, rowNum, 1);
    }

    /**
     * The thumbnail of one variant's stored image (README.md, Variants), cached per variant and attempt, as
     * {@link #thumbnail(Requester, String, long)}.
     *
     * @param who     the requester
     * @param batchId the batch
     * @param rowNum  the row
     * @param variant the variant, 1 to 8 (1 for a row without variants)
     * @return the JPEG thumbnail, at most {@value ConsoleThumbnails#MAX_SIDE} px a side
     * @throws BatchNotFoundException when the batch is unknown or not visible, the row or variant unknown or without
     *                                a stored image, or the image cannot be made small
     * @throws io.imagebatch.storage.OutputStoreException when the store cannot be read
     */
    public Thumbnail thumbnail(Requester who, String batchId, long rowNum, int variant) {
        Batch batch = visible(who, batchId);
        LedgerEntry row = storedRow(batch, rowNum, variant);
        Path file = thumbnails.thumbnail(batch.id(), row.rowNum(), row.variant(), row.attempt(),
                () -> batch.store().open(keyOf(batch, row)))
                .orElseThrow(() -> new BatchNotFoundException("no thumbnail for row " + rowNum + " of batch "
                        + batch.id() + ": its image is not in the store or cannot be read as an image"));
        String etag = "\"" + (row.sha256() == null ? row.rowNum() + "v" + row.variant() + "-" + row.attempt()
                : row.sha256())
                + "-t" + ConsoleThumbnails.MAX_SIDE + "\"";
        return new Thumbnail(file, etag);
    }

    /**
     * The names of a batch's renditions (README.md, "Renditions"), in the job file's order: what a row's page and
     * the contact sheet link ({@link #rendition}).
     *
     * @param who     the requester
     * @param batchId the batch
     * @return the rendition names; empty for a batch without renditions
     * @throws BatchNotFoundException when the batch is unknown or not visible
     */
    public List<String> renditionNames(Requester who, String batchId) {
        return visible(who, batchId).settings().renditions().stream().map(Rendition::name).toList();
    }

    /**
     * One rendition of a row's stored image (README.md, "Renditions"): the file the download step wrote beside
     * the image, {@code <batch id>/<rendition name>/<row id>.<ext>}, streamed from the store.
     *
     * @param who     the requester
     * @param batchId the batch
     * @param rowNum  the row's number (1 = first data row)
     * @param name    the rendition's name as the batch's job file gives it (matched exactly; never used as a path)
     * @return the rendition; its content type from its format's extension; the caller closes it
     * @throws BatchNotFoundException when the batch is unknown or not visible, has no rendition of that name, the
     *                                row is unknown or has no stored image, or the rendition is not in the store
     * @throws io.imagebatch.storage.OutputStoreException when the store cannot be read
     */
    public FileContent rendition(Requester who, String batchId, long rowNum, String name) {
        return rendition(who, batchId, rowNum, 1, name);
    }

    /**
     * One rendition of one variant's stored image (README.md, Renditions and Variants): the file beside
     * {@code <row id>-<k>.<ext>}, as {@link #rendition(Requester, String, long, String)}.
     *
     * @param who     the requester
     * @param batchId the batch
     * @param rowNum  the row's number (1 = first data row)
     * @param variant the variant, 1 to 8 (1 for a row without variants)
     * @param name    the rendition's name as the batch's job file gives it (matched exactly; never used as a path)
     * @return the rendition; the caller closes it
     * @throws BatchNotFoundException when the batch is unknown or not visible, has no rendition of that name, the
     *                                variant is unknown or has no stored image, or the rendition is not in the store
     * @throws io.imagebatch.storage.OutputStoreException when the store cannot be read
     */
    public FileContent rendition(Requester who, String batchId, long rowNum, int variant, String name) {
        Batch batch = visible(who, batchId);
        Rendition rendition = batch.settings().renditions().stream().filter(r -> r.name().equals(name))
                .findFirst().orElseThrow(() -> new BatchNotFoundException("batch " + batch.id()
                        + " has no rendition of that name; its renditions are " + batch.settings().renditions()
                        .stream().map(Rendition::name).toList()));
        LedgerEntry row = storedRow(batch, rowNum, variant);
        String uri = rendition.uriBeside(row.outputUri());
        String key = batch.location().keyOf(uri(uri)).orElseThrow(() -> new BatchNotFoundException("the rendition "
                + rendition.name() + " of row " + rowNum + " (" + uri + ") is not in the batch's output"));
        StoredObject object = batch.store().open(key).orElseThrow(() -> new BatchNotFoundException("the rendition "
                + rendition.name() + " of row " + rowNum + " of batch " + batch.id() + " (" + uri
                + ") is not in the store"));
        return new FileContent(object.content(), object.length(), rendition.format().contentType(), fileName(key),
                null);
    }

    /**
     * One of the report files, as the report step stored it.
     *
     * @param who     the requester
     * @param batchId the batch
     * @param file    which file
     * @return the file, streamed from the store
     * @throws BatchNotFoundException when the batch is unknown or not visible, or the file is not stored (the
     *                                batch has not reached its report step yet)
     * @throws io.imagebatch.storage.OutputStoreException when the store cannot be read
     */
    public FileContent reportFile(Requester who, String batchId, ReportFile file) {
        Batch batch = visible(who, batchId);
        StoredObject object = batch.store().open(batch.id() + "/" + file.fileName())
                .orElseThrow(() -> new BatchNotFoundException("batch " + batch.id() + " has no " + file.fileName()
                        + " yet: it is written when the batch reaches its report step"));
        return new FileContent(object.content(), object.length(), file.contentType(), file.fileName(), null);
    }

    /**
     * The batch as one ZIP archive: every STORED row's image as {@code images/<its key's file name>} (not
     * compressed again: images are compressed already), then {@code report.csv} and {@code manifest.json} when the report
     * step wrote them (DEFLATED), and {@code missing.txt} naming the rows whose image was not in the store.
     *
     * <p>Streamed: the ledger is read {@value #ARCHIVE_PAGE} rows a query (no transaction held while writing),
     * each image is read from the store once, while it is written, and the stream is flushed after each entry; no
     * image is held in memory or written to disk (what grows with the batch is the ZIP's central directory, a few
     * dozen bytes an image, written at the end). Image entries are DEFLATED at level 0 (no compression: images
     * are compressed already), so their CRC-32 and size follow their bytes and one read is enough.
     *
     * @param who     the requester
     * @param batchId the batch
     * @return the archive, written when {@link Archive#writeTo} is called
     * @throws BatchNotFoundException when the batch is unknown or not visible (checked now, before anything is
     *                                written)
     */
    public Archive archive(Requester who, String batchId) {
        Batch batch = visible(who, batchId);
        return new Archive(batch.id() + ".zip", out -> writeArchive(batch, out));
    }

    private void writeArchive(Batch batch, OutputStream out) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out, StandardCharsets.UTF_8);
        zip.setLevel(Deflater.DEFAULT_COMPRESSION);
        Set<String> names = new HashSet<>();
        List<String> missing = new ArrayList<>();
        long after = 0;
        int afterVariant = 0;
        int images = 0;
        while (true) {
            // keyset on (row, variant): a page that ends inside a row's variants loses none of the rest
            List<LedgerEntry> page = this.images.storedAfter(batch.id(), after, afterVariant, ARCHIVE_PAGE);
            for (LedgerEntry row : page) {
                after = row.rowNum();
                afterVariant = row.variant();
                if (writeImage(batch, row, zip, names, missing)) {
                    images++;
                }
            }
            if (page.size() < ARCHIVE_PAGE) {
                break;
            }
        }
        for (ReportFile file : List.of(ReportFile.REPORT_CSV, ReportFile.MANIFEST_JSON)) {
            Optional<StoredObject> object = batch.store().open(batch.id() + "/" + file.fileName());
            if (object.isPresent()) {
                try (StoredObject o = object.get()) {
                    ZipEntry entry = new ZipEntry(file.fileName());
                    entry.setMethod(ZipEntry.DEFLATED);
                    zip.putNextEntry(entry);
                    o.content().transferTo(zip);
                    zip.closeEntry();
                }
            }
        }
        if (!missing.isEmpty()) {
            ZipEntry entry = new ZipEntry("missing.txt");
            entry.setMethod(ZipEntry.DEFLATED);
            zip.putNextEntry(entry);
            zip.write((String.join("\n", missing) + "\n").getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        zip.finish();
        zip.flush();
        log.info("Batch {}: archive sent, {} image(s), {} missing", batch.id(), images, missing.size());
    }

    /** @return true when the image was written; false when it is listed as missing */
    private boolean writeImage(Batch batch, LedgerEntry row, ZipOutputStream zip, Set<String> names,
            List<String> missing) throws IOException {
        Optional<String> key = batch.location().keyOf(uri(row.outputUri()));
        if (key.isEmpty()) {
            missing.add("row " + row.rowNum() + " (" + row.rowId() + "): " + row.outputUri()
                    + " is not in the batch's output " + batch.location());
            return false;
        }
        String name = "images/" + fileName(key.get());
        if (!names.add(name.toLowerCase(Locale.ROOT))) {
            missing.add("row " + row.rowNum() + " (" + row.rowId() + "): another row's image is named " + name);
            return false;
        }
        Optional<StoredObject> object = batch.store().open(key.get());
        if (object.isEmpty()) {
            missing.add("row " + row.rowNum() + " (" + row.rowId() + "): " + row.outputUri() + " is not in the store");
            return false;
        }
        try (StoredObject o = object.get()) {
            // DEFLATED without compression: one read of the image (a STORED entry would need its CRC-32 and size
            // before its bytes, so a second read), at a cost of 5 bytes per 64 KiB block; images are compressed
            ZipEntry entry = new ZipEntry(name);
            entry.setMethod(ZipEntry.DEFLATED);
            entry.setTime(row.updatedAt());
            zip.setLevel(Deflater.NO_COMPRESSION);
            zip.putNextEntry(entry);
            o.content().transferTo(zip);
            zip.closeEntry();
        } finally {
            zip.setLevel(Deflater.DEFAULT_COMPRESSION);
        }
        zip.flush();
        return true;
    }

    /** A visible batch, with its settings and its store. */
    private record Batch(String id, OutputLocation location, OutputStore store, BatchSettings settings) {
    }

    private Batch visible(Requester who, String batchId) {
        ConsoleBatches console = batches.getIfAvailable();
        if (console == null || batchId == null) {
            throw new BatchNotFoundException("no batch " + batchId);
        }
        // BatchNotFoundException when unknown or not visible to the requester; asked at every request
        console.requireVisible(who, batchId);
        BatchSettings batch;
        try {
            batch = settings.get(batchId);
        } catch (IllegalArgumentException e) {
            throw new BatchNotFoundException("no batch " + batchId);
        }
        if (!batch.batchId().equals(batchId)) {
            throw new BatchNotFoundException("no batch " + batchId);
        }
        OutputLocation location = OutputLocation.parse(batch.destination());
        return new Batch(batch.batchId(), location,
                stores.computeIfAbsent(location, l -> OutputStores.open(l, storage)), batch);
    }

    private LedgerEntry storedRow(Batch batch, long rowNum, int variant) {
        LedgerEntry row = ledger.find(batch.id(), rowNum, variant)
                .orElseThrow(() -> new BatchNotFoundException("batch " + batch.id() + " has no row " + rowNum
                        + (variant == 1 ? "" : " variant " + variant)));
        if (row.state() != RowState.STORED || row.outputUri() == null) {
            throw new BatchNotFoundException("row " + rowNum + (variant == 1 ? "" : " variant " + variant)
                    + " of batch " + batch.id() + " has no stored image"
                    + " (it is " + row.state() + ")");
        }
        return row;
    }

    private String keyOf(Batch batch, LedgerEntry row) {
        return batch.location().keyOf(uri(row.outputUri())).orElseThrow(() -> new BatchNotFoundException(
                "the image of row " + row.rowNum() + " of batch " + batch.id() + " (" + row.outputUri()
                        + ") is not in the batch's output " + batch.location()));
    }

    private static BatchNotFoundException gone(Batch batch, LedgerEntry row) {
        return new BatchNotFoundException("the image of row " + row.rowNum() + " of batch " + batch.id() + " ("
                + row.outputUri() + ") is no longer in the store");
    }

    private static URI uri(String text) {
        try {
            return text == null ? null : URI.create(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String fileName(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }

    private static String contentType(String key) {
        return MediaTypeFactory.getMediaType(fileName(key)).orElse(MediaType.APPLICATION_OCTET_STREAM).toString();
    }

    /** Closes the stores this service opened (their S3 clients). */
    @Override
    public void destroy() {
        stores.values().forEach(OutputStore::close);
        stores.clear();
    }
}
