package io.imagebatch.console.web;

import io.imagebatch.console.BatchFiles;
import io.imagebatch.console.BatchFiles.Archive;
import io.imagebatch.console.BatchFiles.FileContent;
import io.imagebatch.console.BatchFiles.ReportFile;
import io.imagebatch.console.BatchFiles.Thumbnail;
import io.imagebatch.console.BatchNotFoundException;
import io.imagebatch.console.Requester;
import io.imagebatch.storage.OutputStoreException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Profile;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.InputStreamResource;
import org.springframework.core.io.Resource;
import org.springframework.http.CacheControl;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.context.request.async.AsyncWebRequest;
import org.springframework.web.context.request.async.WebAsyncUtils;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * The files of a batch over HTTP (README, "The console's files"):
 * <ul>
 * <li>{@code GET /batches/{id}/images/{rowNum}}: the row's stored image, its type from its file name, ETag its
 *     SHA-256, {@code Cache-Control: private, max-age=300};</li>
 * <li>{@code GET /batches/{id}/rows/{rowNum}/attempts/{attempt}/image}: the image an earlier attempt stored,
 *     kept under the row's history by a redo;</li>
 * <li>{@code GET /batches/{id}/rows/{rowNum}/renditions/{name}}: a rendition of the row's stored image (README.md,
 *     "Renditions"), the rendition named exactly as in the batch's job file;</li>
 * <li>{@code GET /batches/{id}/thumbnails/{rowNum}}: a JPEG of at most 320 px a side, made once and cached on
 *     disk, same caching headers;</li>
 * <li>{@code GET /batches/{id}/files/{report.csv|report.html|manifest.json}}: the report files
 *     ({@code report.html} as an attachment: it is a page for a browser to open on its own, not inside the
 *     console);</li>
 * <li>{@code GET /batches/{id}/archive.zip} and {@code GET /api/batches/{id}/archive.zip}: every image, the
 *     report and the manifest as one ZIP, streamed as it is read, {@code Content-Disposition: attachment;
 *     filename="<batch id>.zip"}.</li>
 * </ul>
 * Rows are named by their number (1 = first data row), parsed as a number: any other text is a 400. An unknown
 * batch, one the user may not see, an unknown row or a file not stored is a 404 problem detail (RFC 9457); a
 * store that cannot be read is a 503. Who may see what is {@link BatchFiles}' (and so the console's) rule.
 */
@RestController
@Profile("serve") // serve's profile: the console runs only in serve
public class BatchFilesController {

    /** How long a browser may reuse an image or thumbnail before it asks again (with its ETag). */
    static final Duration IMAGE_MAX_AGE = Duration.ofMinutes(5);

    private static final Logger log = LoggerFactory.getLogger(BatchFilesController.class);

    private final BatchFiles files;

    /** @param files the batch files service */
    public BatchFilesController(BatchFiles files) {
        this.files = files;
    }

    /**
     * @param id      the batch id
     * @param rowNum  the row's number
     * @param request the request, for {@code If-None-Match}
     * @param auth    the signed-in user, or null
     * @return the image, or 304 when the browser's copy is current
     */
    @GetMapping("/batches/{id}/images/{rowNum}")
    public ResponseEntity<Resource> image(@PathVariable String id, @PathVariable long rowNum, WebRequest request,
            Authentication auth) {
        Requester who = requester(auth);
        Optional<String> etag = files.imageEtag(who, id, rowNum);
        if (etag.isPresent() && request.checkNotModified(etag.get())) {
            return null; // 304, headers set by checkNotModified
        }
        FileContent file = files.image(who, id, rowNum);
        return streamed(file, CacheControl.maxAge(IMAGE_MAX_AGE).cachePrivate(),
                ContentDisposition.inline().filename(file.fileName()).build());
    }

    /**
     * @param id      the batch id
     * @param rowNum  the row's number
     * @param attempt the earlier attempt's number, 1 first
     * @param auth    the signed-in user, or null
     * @return the image that earlier attempt stored, kept under the row's history by a redo
     */
    @GetMapping("/batches/{id}/rows/{rowNum}/attempts/{attempt}/image")
    public ResponseEntity<Resource> attemptImage(@PathVariable String id, @PathVariable long rowNum,
            @PathVariable int attempt, Authentication auth) {
        FileContent file = files.attemptImage(requester(auth), id, rowNum, attempt);
        return streamed(file, CacheControl.maxAge(IMAGE_MAX_AGE).cachePrivate(),
                ContentDisposition.inline().filename(file.fileName()).build());
    }

    /**
     * @param id     the batch id
     * @param rowNum the row's number
     * @param name   the rendition's name, as in the batch's job file
     * @param auth   the signed-in user, or null
     * @return the rendition of the row's stored image, inline, its type from its format; 404 when the batch has
     *         no rendition of that name or the row none stored
     */
    @GetMapping("/batches/{id}/rows/{rowNum}/renditions/{name}")
    public ResponseEntity<Resource> rendition(@PathVariable String id, @PathVariable long rowNum,
            @PathVariable String name, Authentication auth) {
        FileContent file = files.rendition(requester(auth), id, rowNum, name);
        return streamed(file, CacheControl.maxAge(IMAGE_MAX_AGE).cachePrivate(),
                ContentDisposition.inline().filename(file.fileName()).build());
    }

    /**
     * @param id      the batch id
     * @param rowNum  the row's number
     * @param request the request, for {@code If-None-Match}
     * @param auth    the signed-in user, or null
     * @return the JPEG thumbnail, or 304 when the browser's copy is current
     */
    @GetMapping("/batches/{id}/thumbnails/{rowNum}")
    public ResponseEntity<Resource> thumbnail(@PathVariable String id, @PathVariable long rowNum,
            WebRequest request, Authentication auth) {
        Thumbnail thumbnail = files.thumbnail(requester(auth), id, rowNum);
        if (request.checkNotModified(thumbnail.etag())) {
            return null;
        }
        return ResponseEntity.ok().contentType(MediaType.IMAGE_JPEG)
                .cacheControl(CacheControl.maxAge(IMAGE_MAX_AGE).cachePrivate()).eTag(thumbnail.etag())
                .body(new FileSystemResource(thumbnail.file()));
    }

    /**
     * One variant's stored image (README.md, Variants: {@code <row id>-<k>.<ext>}), with the same team visibility
     * and caching as a row's image.
     *
     * @param id      the batch id
     * @param rowNum  the row's number
     * @param variant the variant, 1 to 8
     * @param request the request, for {@code If-None-Match}
     * @param auth    the signed-in user, or null
     * @return the image, or 304 when the browser's copy is current; 404 when the variant has no stored image
     */
    @GetMapping("/batches/{id}/rows/{rowNum}/variants/{variant}/image")
    public ResponseEntity<Resource> variantImage(@PathVariable String id, @PathVariable long rowNum,
            @PathVariable int variant, WebRequest request, Authentication auth) {
        Requester who = requester(auth);
        Optional<String> etag = files.imageEtag(who, id, rowNum, variant);
        if (etag.isPresent() && request.checkNotModified(etag.get())) {
            return null;
        }
        FileContent file = files.image(who, id, rowNum, variant);
        return streamed(file, CacheControl.maxAge(IMAGE_MAX_AGE).cachePrivate(),
                ContentDisposition.inline().filename(file.fileName()).build());
    }

    /**
     * @param id      the batch id
     * @param rowNum  the row's number
     * @param variant the variant, 1 to 8
     * @param request the request, for {@code If-None-Match}
     * @param auth    the signed-in user, or null
     * @return the JPEG thumbnail of the variant's stored image, or 304 when the browser's copy is current
     */
    @GetMapping("/batches/{id}/rows/{rowNum}/variants/{variant}/thumbnail")
    public ResponseEntity<Resource> variantThumbnail(@PathVariable String id, @PathVariable long rowNum,
            @PathVariable int variant, WebRequest request, Authentication auth) {
        Thumbnail thumbnail = files.thumbnail(requester(auth), id, rowNum, variant);
        if (request.checkNotModified(thumbnail.etag())) {
            return null;
        }
        return ResponseEntity.ok().contentType(MediaType.IMAGE_JPEG)
                .cacheControl(CacheControl.maxAge(IMAGE_MAX_AGE).cachePrivate()).eTag(thumbnail.etag())
                .body(new FileSystemResource(thumbnail.file()));
    }

    /**
     * @param id      the batch id
     * @param rowNum  the row's number
     * @param variant the variant, 1 to 8
     * @param name    the rendition's name, as in the batch's job file
     * @param auth    the signed-in user, or null
     * @return the rendition of the variant's stored image; 404 when there is none
     */
    @GetMapping("/batches/{id}/rows/{rowNum}/variants/{variant}/renditions/{name}")
    public ResponseEntity<Resource> variantRendition(@PathVariable String id, @PathVariable long rowNum,
            @PathVariable int variant, @PathVariable String name, Authentication auth) {
        FileContent file = files.rendition(requester(auth), id, rowNum, variant, name);
        return streamed(file, CacheControl.maxAge(IMAGE_MAX_AGE).cachePrivate(),
                ContentDisposition.inline().filename(file.fileName()).build());
    }

    /**
     * @param id   the batch id
     * @param name {@code report.csv}, {@code report.html} or {@code manifest.json}
     * @param auth the signed-in user, or null
     * @return the file
     */
    @GetMapping("/batches/{id}/files/{name}")
    public ResponseEntity<Resource> reportFile(@PathVariable String id, @PathVariable String name,
            Authentication auth) {
        ReportFile which = ReportFile.named(name)
                .orElseThrow(() -> new BatchNotFoundException("a batch has no file of that name; its files are"
                        + " report.csv, report.html and manifest.json"));
        FileContent file = files.reportFile(requester(auth), id, which);
        ContentDisposition disposition = which == ReportFile.REPORT_HTML
                ? ContentDisposition.attachment().filename(file.fileName()).build()
                : ContentDisposition.inline().filename(file.fileName()).build();
        return streamed(file, CacheControl.noCache().cachePrivate(), disposition);
    }

    /**
     * The batch as one ZIP, streamed; the request's async timeout is lifted for it, so that a large archive is
     * not cut short by the container's default (30 s on Tomcat).
     *
     * @param id              the batch id
     * @param request         the request
     * @param servletResponse the response, whose stream the archive is written to
     * @param auth            the signed-in user, or null
     * @return the archive's response; its body is written by Spring MVC's task executor as it is read
     */
    @GetMapping({"/batches/{id}/archive.zip", "/api/batches/{id}/archive.zip"})
    public ResponseEntity<StreamingResponseBody> archive(@PathVariable String id, HttpServletRequest request,
            HttpServletResponse servletResponse, Authentication auth) {
        Archive archive = files.archive(requester(auth), id);
        AsyncWebRequest async = WebAsyncUtils.getAsyncManager(request).getAsyncWebRequest();
        if (async != null) {
            async.setTimeout(-1L); // no timeout: the download lasts as long as the client reads
        }
        ResponseEntity.BodyBuilder response = ResponseEntity.ok()
                .contentType(MediaType.parseMediaType("application/zip"))
                .header(HttpHeaders.CONTENT_DISPOSITION,
                        ContentDisposition.attachment().filename(archive.fileName()).build().toString())
                .cacheControl(CacheControl.noStore());
        if (HttpMethod.HEAD.matches(request.getMethod())) {
            return response.build(); // the headers only: not the whole store read for nothing
        }
        // to the servlet's own stream: Spring's body stream ignores flush() (ServletServerHttpResponse), and the
        // archive flushes after each image so that a client has it whole while the next one is read
        return response.body(out -> archive.writeTo(servletResponse.getOutputStream()));
    }

    /**
     * @param e an unknown or invisible batch, row or file
     * @return 404, naming what was not found
     */
    @ExceptionHandler(BatchNotFoundException.class)
    public ResponseEntity<ProblemDetail> notFound(BatchNotFoundException e) {
        return problem(HttpStatus.NOT_FOUND, e.getMessage());
    }

    /**
     * @param e a store that could not be read
     * @return 503; the cause is logged, not shown (it names the store's inner paths)
     */
    @ExceptionHandler(OutputStoreException.class)
    public ResponseEntity<ProblemDetail> storeDown(OutputStoreException e) {
        log.warn("Console file request failed: {}", e.getMessage());
        return problem(HttpStatus.SERVICE_UNAVAILABLE, "the batch's output store cannot be read now; try again");
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String detail) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(ProblemDetail.forStatusAndDetail(status, detail));
    }

    private static ResponseEntity<Resource> streamed(FileContent file, CacheControl cache,
            ContentDisposition disposition) {
        ResponseEntity.BodyBuilder response = ResponseEntity.ok()
                .contentType(MediaType.parseMediaType(file.contentType()))
                .contentLength(file.length())
                .cacheControl(cache)
                .header(HttpHeaders.CONTENT_DISPOSITION, disposition.toString());
        if (file.etag() != null) {
            response.eTag(file.etag());
        }
        // copied to the response and closed by Spring's ResourceHttpMessageConverter, never read whole
        return response.body(new InputStreamResource(file.content(), file.fileName()));
    }

    private static Requester requester(Authentication auth) {
        return ConsoleRequesters.of(auth);
    }
}
