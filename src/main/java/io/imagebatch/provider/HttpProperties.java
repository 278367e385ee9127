package io.imagebatch.provider;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Limits of the answers read from providers, {@code imagebatch.http.*} (README "Settings").
 *
 * @param maxAnswerBytes the longest answer body read from a provider (create, status, balance, list), for
 *                       example {@code 4MB}; a longer one is abandoned as a provider fault for that call (BUSY:
 *                       retried, a status query until the task's deadline), never read whole into memory.
 *                       Default {@link #DEFAULT_MAX_ANSWER} (4 MiB, far beyond any documented answer); at least
 *                       1 byte
 */
@ConfigurationProperties("imagebatch.http")
public record HttpProperties(DataSize maxAnswerBytes) {

    /** The default answer limit, 4 MiB. */
    public static final DataSize DEFAULT_MAX_ANSWER = DataSize.ofMegabytes(4);

    public HttpProperties {
        maxAnswerBytes = maxAnswerBytes == null || maxAnswerBytes.toBytes() < 1 ? DEFAULT_MAX_ANSWER : maxAnswerBytes;
    }
}
