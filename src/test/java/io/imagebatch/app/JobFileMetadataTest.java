package io.imagebatch.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.label.MetadataLevel;
import io.imagebatch.testsupport.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code metadata} key of a job file (README.md, "Labelled as AI-generated"): {@code full} by default,
 * {@code minimal} read, anything else refused before anything is sent (exit 2, naming file, line and rule).
 */
class JobFileMetadataTest {

    @TempDir
    Path dir;

    @Test
    void metadataIsFullUnlessTheFileSaysMinimal() throws Exception {
        assertThat(JobFile.load(write("plain.yml", "catalogue: c.csv\n")).metadata()).isNull();
        assertThat(JobFile.load(write("min.yml", "catalogue: c.csv\nmetadata: minimal\n")).metadata())
                .isEqualTo(MetadataLevel.MINIMAL);
        assertThat(JobFile.load(write("full.yml", "catalogue: c.csv\nmetadata: Full\n")).metadata())
                .isEqualTo(MetadataLevel.FULL);
    }

    @Test
    void aMetadataValueOtherThanFullOrMinimalIsRefusedNamingFileLineAndRule() throws Exception {
        Path file = write("bad.yml", "name: x\nmetadata: none\n");
        assertThatThrownBy(() -> JobFile.load(file)).isInstanceOf(UsageException.class)
                .hasMessageContaining("job file " + file + ", line 2: metadata must be \"full\" or \"minimal\"")
                .hasMessageContaining("got \"none\"");
        Path list = write("list.yml", "name: x\nmetadata: [minimal]\n");
        assertThatThrownBy(() -> JobFile.load(list)).isInstanceOf(UsageException.class)
                .hasMessageContaining("job file " + list + ", line 2: metadata must be");
    }

    @Test
    void aBadMetadataValueIsAUsageErrorExitCode2BeforeAnythingIsRead() throws Exception {
        Path job = write("broken.yml", "catalogue: no-such.csv\n\nmetadata: off\n");

        CliRun run = CliRun.command(dir, "validate", job.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.output()).contains("job file " + job + ", line 3: metadata must be \"full\" or \"minimal\"")
                .contains("got a YAML boolean");
    }

    private Path write(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }
}
