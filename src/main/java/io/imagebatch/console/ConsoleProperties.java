package io.imagebatch.console;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The console's batch settings ({@code imagebatch.console.*}; docs/console.md, "Uploads"). The users and how they
 * sign in are {@code io.imagebatch.security.ConsoleUsersProperties}, under the same prefix.
 *
 * @param uploadDir      where uploaded catalogues are kept, one file per content SHA-256 (a resume reads the same
 *                       bytes); default {@code ./imagebatch-console/uploads}
 * @param maxUploadBytes the largest upload accepted, bytes; default 100 MB. Also Spring's multipart limit, so a
 *                       larger request is refused (413) before it is read
 * @param jobsDir        the folder of job files offered as templates; {@code serve} sets it to its {@code --jobs}
 *                       folder; default {@code jobs}
 */
@ConfigurationProperties("imagebatch.console")
public record ConsoleProperties(@DefaultValue("./imagebatch-console/uploads") Path uploadDir,
        @DefaultValue("100MB") DataSize maxUploadBytes, @DefaultValue("jobs") Path jobsDir) {

    /**
     * @param uploadDir      see {@link #uploadDir()}
     * @param maxUploadBytes see {@link #maxUploadBytes()}
     * @param jobsDir        see {@link #jobsDir()}
     * @throws IllegalArgumentException when {@code max-upload-bytes} is not positive
     */
    public ConsoleProperties {
        if (maxUploadBytes.toBytes() <= 0) {
            throw new IllegalArgumentException("imagebatch.console.max-upload-bytes must be positive, got "
                    + maxUploadBytes);
        }
    }
}
