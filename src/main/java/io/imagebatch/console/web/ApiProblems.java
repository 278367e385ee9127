package io.imagebatch.console.web;

import io.imagebatch.console.BatchNotFoundException;
import io.imagebatch.console.ConsoleRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.ServletRequestBindingException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.multipart.MaxUploadSizeExceededException;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.multipart.support.MissingServletRequestPartException;

/**
 * The API's errors as RFC 9457 problem details ({@code application/problem+json}; docs/console.md, "The API"):
 * {@link BatchNotFoundException} 404, {@link ConsoleRequestException} its status, {@link AccessDeniedException}
 * 403, an upload over {@code imagebatch.console.max-upload-bytes} 413, a malformed request 400, anything else
 * 500. The detail is the exception's user message (which never holds a secret) or a fixed text; never a stack
 * trace, and never a value the request sent (a parameter is named, not echoed).
 */
@RestControllerAdvice(assignableTypes = BatchApiController.class)
public class ApiProblems {

    private static final Logger log = LoggerFactory.getLogger(ApiProblems.class);

    /**
     * @param e the batch or row not found (or not visible)
     * @return 404
     */
    @ExceptionHandler(BatchNotFoundException.class)
    public ResponseEntity<ProblemDetail> notFound(BatchNotFoundException e) {
        return problem(HttpStatus.NOT_FOUND, e.getMessage());
    }

    /**
     * @param e a request the console cannot do as asked
     * @return its status (400, 409, 413)
     */
    @ExceptionHandler(ConsoleRequestException.class)
    public ResponseEntity<ProblemDetail> request(ConsoleRequestException e) {
        return problem(HttpStatus.valueOf(e.status()), e.getMessage());
    }

    /**
     * @param e the role does not allow the action
     * @return 403
     */
    @ExceptionHandler(AccessDeniedException.class)
    public ResponseEntity<ProblemDetail> forbidden(AccessDeniedException e) {
        return problem(HttpStatus.FORBIDDEN, e.getMessage());
    }

    /**
     * @param e an upload over Spring's multipart limit (set from {@code imagebatch.console.max-upload-bytes})
     * @return 413
     */
    @ExceptionHandler(MaxUploadSizeExceededException.class)
    public ResponseEntity<ProblemDetail> tooLarge(MaxUploadSizeExceededException e) {
        return problem(HttpStatus.CONTENT_TOO_LARGE, "catalogue: the file is over the upload limit"
                + " (imagebatch.console.max-upload-bytes); nothing was kept");
    }

    /**
     * @param e a missing parameter
     * @return 400 naming it
     */
    @ExceptionHandler(MissingServletRequestParameterException.class)
    public ResponseEntity<ProblemDetail> missing(MissingServletRequestParameterException e) {
        return problem(HttpStatus.BAD_REQUEST, e.getParameterName() + ": missing");
    }

    /**
     * @param e a parameter of the wrong type ({@code proof=abc}, a row number that is no number)
     * @return 400 naming it
     */
    @ExceptionHandler(TypeMismatchException.class)
    public ResponseEntity<ProblemDetail> mismatch(TypeMismatchException e) {
        return problem(HttpStatus.BAD_REQUEST, e.getPropertyName() + ": not a valid "
                + (e.getRequiredType() == null ? "value" : e.getRequiredType().getSimpleName().toLowerCase()));
    }

    /**
     * @param e a malformed request: unreadable JSON, a missing part, a body that is not multipart
     * @return 400
     */
    @ExceptionHandler({HttpMessageNotReadableException.class, ServletRequestBindingException.class,
        MissingServletRequestPartException.class, MultipartException.class,
        HttpMediaTypeNotSupportedException.class})
    public ResponseEntity<ProblemDetail> malformed(Exception e) {
        return problem(HttpStatus.BAD_REQUEST, e instanceof HttpMediaTypeNotSupportedException
                ? "the request's content type is not accepted here (multipart/form-data for uploads, JSON or a form"
                        + " for a redo)"
                : "the request is malformed: " + e.getClass().getSimpleName());
    }

    /**
     * @param e anything else
     * @return 500 with a fixed text; the exception goes to the log
     */
    @ExceptionHandler(Exception.class)
    public ResponseEntity<ProblemDetail> unexpected(Exception e) {
        log.error("API request failed: {}", e.toString(), e);
        return problem(HttpStatus.INTERNAL_SERVER_ERROR, "the request failed on the server; see its log");
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }
}
