package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * An H2 database must stay open until the command's context closes, so that SIGTERM can stop the job and
 * record it STOPPED ({@link ImageBatchCli#withoutH2CloseOnExit}); the end-to-end proof on the real jar is
 * {@code ImageBatchKillIT}'s SIGTERM test.
 */
class H2CloseOnExitTest {

    @Test
    void anH2UrlThatDoesNotChooseKeepsItsDatabaseOpenAtVmShutdown() {
        assertThat(ImageBatchCli.withoutH2CloseOnExit("jdbc:h2:file:./data/imagebatch;AUTO_SERVER=FALSE"))
                .isEqualTo("jdbc:h2:file:./data/imagebatch;AUTO_SERVER=FALSE;DB_CLOSE_ON_EXIT=FALSE");
        assertThat(ImageBatchCli.withoutH2CloseOnExit("jdbc:h2:file:/tmp/x/db/imagebatch"))
                .isEqualTo("jdbc:h2:file:/tmp/x/db/imagebatch;DB_CLOSE_ON_EXIT=FALSE");
        assertThat(ImageBatchCli.withoutH2CloseOnExit("JDBC:H2:mem:test"))
                .isEqualTo("JDBC:H2:mem:test;DB_CLOSE_ON_EXIT=FALSE");
    }

    @Test
    void aUrlThatChoosesOrCannotTakeItIsLeftAlone() {
        assertThat(ImageBatchCli.withoutH2CloseOnExit("jdbc:h2:file:/x;db_close_on_exit=true"))
                .isEqualTo("jdbc:h2:file:/x;db_close_on_exit=true");
        // H2 refuses AUTO_SERVER=TRUE together with DB_CLOSE_ON_EXIT=FALSE
        assertThat(ImageBatchCli.withoutH2CloseOnExit("jdbc:h2:file:/x;AUTO_SERVER=TRUE"))
                .isEqualTo("jdbc:h2:file:/x;AUTO_SERVER=TRUE");
        assertThat(ImageBatchCli.withoutH2CloseOnExit("jdbc:postgresql://db/imagebatch"))
                .isEqualTo("jdbc:postgresql://db/imagebatch");
        assertThat(ImageBatchCli.withoutH2CloseOnExit(null)).isNull();
    }
}
