package io.imagebatch.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code schedule} key of a job file: both forms, and every way it can be wrong, named by file, key and line. */
class JobFileScheduleTest {

    @TempDir
    Path dir;

    @Test
    void aCronTextIsReadInTheSystemsZone() throws Exception {
        JobFile f = JobFile.load(write("nightly.yml", "catalogue: c.csv\nschedule: \"0 0 2 * * *\"\n"));
        assertThat(f.schedule().cron()).isEqualTo("0 0 2 * * *");
        assertThat(f.schedule().zone()).isEqualTo(ZoneId.systemDefault());
        assertThat(f.jobName()).isEqualTo("nightly");
    }

    @Test
    void aMappingGivesTheZoneAndTheNextRunFollowsIt() throws Exception {
        JobFile f = JobFile.load(write("berlin.yml",
                "name: spring\nschedule: { cron: \"0 0 2 * * *\", zone: Europe/Berlin }\n"));
        assertThat(f.jobName()).isEqualTo("spring");
        assertThat(f.schedule().zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        ZonedDateTime next = f.schedule().expression()
                .next(ZonedDateTime.of(2025, 3, 30, 12, 0, 0, 0, ZoneId.of("Europe/Berlin")));
        assertThat(next).isEqualTo(ZonedDateTime.of(2025, 3, 31, 2, 0, 0, 0, ZoneId.of("Europe/Berlin")));
        assertThat(f.schedule()).hasToString("\"0 0 2 * * *\" (Europe/Berlin)");
    }

    @Test
    void withoutScheduleTheFileIsStillAJobFileForRun() throws Exception {
        assertThat(JobFile.load(write("plain.yml", "catalogue: c.csv\n")).schedule()).isNull();
    }

    @Test
    void aBadCronIsNamedByFileKeyAndLine() throws Exception {
        Path unix = write("unix.yml", "name: x\ncatalogue: c.csv\nschedule: \"0 2 * * *\"\n");
        assertThatThrownBy(() -> JobFile.load(unix)).isInstanceOf(UsageException.class)
                .hasMessageContaining("job file " + unix + ", line 3, key schedule: \"0 2 * * *\" is not a cron"
                        + " expression of six fields")
                .hasMessageContaining("found 5");
        Path mapped = write("mapped.yml", "schedule:\n  cron: \"0 0 25 * * *\"\n");
        assertThatThrownBy(() -> JobFile.load(mapped))
                .hasMessageContaining("job file " + mapped + ", line 1, key schedule.cron: \"0 0 25 * * *\"");
    }

    @Test
    void anUnknownZoneOrKeyOrAMissingCronIsRefused() throws Exception {
        Path zone = write("zone.yml", "schedule: { cron: \"0 0 2 * * *\", zone: Atlantis/Capital }\n");
        assertThatThrownBy(() -> JobFile.load(zone))
                .hasMessageContaining("key schedule.zone: unknown time zone \"Atlantis/Capital\"");
        Path key = write("key.yml", "schedule: { cron: \"0 0 2 * * *\", timezone: UTC }\n");
        assertThatThrownBy(() -> JobFile.load(key)).hasMessageContaining("unknown key \"schedule.timezone\"");
        Path missing = write("missing.yml", "schedule: { zone: UTC }\n");
        assertThatThrownBy(() -> JobFile.load(missing)).hasMessageContaining("schedule.cron is missing");
        Path list = write("list.yml", "schedule: [\"0 0 2 * * *\"]\n");
        assertThatThrownBy(() -> JobFile.load(list)).hasMessageContaining("schedule must be a cron expression");
    }

    private Path write(String name, String yaml) throws Exception {
        return Files.writeString(dir.resolve(name), yaml);
    }
}
