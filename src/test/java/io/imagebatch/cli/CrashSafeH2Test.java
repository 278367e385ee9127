package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command makes an H2 URL crash-safe ({@link CrashSafeH2#url}): commits written to the file
 * before they return, so that SIGKILL loses none; the database left open until the command's context closes,
 * so that SIGTERM can stop the job and record it STOPPED. The proof on the real jar is {@code ImageBatchKillIT}.
 */
class CrashSafeH2Test {

    @Test
    void anH2UrlThatDoesNotChooseGetsEverySetting() {
        assertThat(CrashSafeH2.url("jdbc:h2:file:./data/imagebatch;AUTO_SERVER=FALSE"))
                .isEqualTo("jdbc:h2:file:./data/imagebatch;AUTO_SERVER=FALSE;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE"
                        + ";LOCK_TIMEOUT=10000");
        assertThat(CrashSafeH2.url("jdbc:h2:file:/tmp/x/db/imagebatch"))
                .isEqualTo("jdbc:h2:file:/tmp/x/db/imagebatch;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000");
        assertThat(CrashSafeH2.url("JDBC:H2:mem:test"))
                .isEqualTo("JDBC:H2:mem:test;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000");
    }

    @Test
    void aSettingTheUrlChoosesIsKept() {
        assertThat(CrashSafeH2.url("jdbc:h2:file:/x;db_close_on_exit=true"))
                .isEqualTo("jdbc:h2:file:/x;db_close_on_exit=true;WRITE_DELAY=0;LOCK_TIMEOUT=10000");
        assertThat(CrashSafeH2.url("jdbc:h2:file:/x;WRITE_DELAY=500"))
                .isEqualTo("jdbc:h2:file:/x;WRITE_DELAY=500;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000");
        // H2 refuses AUTO_SERVER=TRUE together with DB_CLOSE_ON_EXIT=FALSE
        assertThat(CrashSafeH2.url("jdbc:h2:file:/x;AUTO_SERVER=TRUE"))
                .isEqualTo("jdbc:h2:file:/x;AUTO_SERVER=TRUE;WRITE_DELAY=0;LOCK_TIMEOUT=10000");
    }

    /** H2 itself reads the settings: a session on the rewritten URL waits 10 s for a lock, not H2's default 1 s. */
    @Test
    void aSessionOnTheRewrittenUrlWaitsTenSecondsForALock(@TempDir Path dir) throws Exception {
        String url = CrashSafeH2.url("jdbc:h2:file:" + dir.resolve("db").toAbsolutePath());
        try (Connection connection = DriverManager.getConnection(url, "sa", "");
                ResultSet timeout = connection.createStatement().executeQuery("CALL LOCK_TIMEOUT()")) {
            timeout.next();
            assertThat(timeout.getInt(1)).isEqualTo(10_000);
        }
    }

    @Test
    void otherDatabasesAreLeftAlone() {
        assertThat(CrashSafeH2.url("jdbc:postgresql://db/imagebatch"))
                .isEqualTo("jdbc:postgresql://db/imagebatch");
        assertThat(CrashSafeH2.url(null)).isNull();
    }
}
