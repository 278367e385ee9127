package io.imagebatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.app.BatchSettingsResolver;
import io.imagebatch.app.JobFile;
import io.imagebatch.app.UsageException;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A job file's {@code sandbox:} section, read into the sandbox provider's settings, and what a sandbox run sets. */
class SandboxSetupTest {

    @TempDir
    Path dir;

    private JobFile jobFile(String sandboxSection) throws Exception {
        Path file = dir.resolve("trial.yml");
        Files.writeString(file, "catalogue: cat.csv\nsandbox: " + sandboxSection + "\n");
        return JobFile.load(file);
    }

    @Test
    void aJobFilesSandboxSectionSetsWhatItNamesAndKeepsTheDefaultsOfTheRest() throws Exception {
        SandboxSettings defaults = SandboxSettings.defaults();
        assertThat(SandboxSetup.settings(null)).isEqualTo(defaults);
        SandboxSettings s = SandboxSetup.settings(jobFile("{ min-generation-time: 2s, max-generation-time: PT3S,"
                + " failure-rate: 0.25, seed: 7 }"));
        assertThat(s.minGenerationTime()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.maxGenerationTime()).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.failureRate()).isEqualTo(0.25);
        assertThat(s.seed()).isEqualTo(7);
        assertThat(s.serverErrorRate()).isEqualTo(defaults.serverErrorRate());
        assertThat(s.rateLimitPerSecond()).isEqualTo(defaults.rateLimitPerSecond());
    }

    @Test
    void anUnknownKeyOrABadValueIsAUsageErrorNamingTheJobFileAndTheKey() throws Exception {
        JobFile typo = jobFile("{ failure-rat: 0.1 }");
        assertThatThrownBy(() -> SandboxSetup.settings(typo)).isInstanceOf(UsageException.class)
                .hasMessage("job file " + typo.path() + ": unknown key \"sandbox.failure-rat\" (known:"
                        + " min-generation-time, max-generation-time, failure-rate, seed, refuse-content-at-create,"
                        + " refuse-content-in-generation, refuse-account)");
        JobFile notADuration = jobFile("{ min-generation-time: soon }");
        assertThatThrownBy(() -> SandboxSetup.settings(notADuration)).isInstanceOf(UsageException.class)
                .hasMessageStartingWith("job file " + notADuration.path() + ": bad sandbox setting: ");
    }

    @Test
    void aJobFilesSandboxSectionSwitchesOnTheContentFilterAndARefusedAccountAndNothingUnlessSet() throws Exception {
        assertThat(SandboxSetup.switches(null)).isEqualTo(new SandboxSetup.Switches(null, null, null, 0));
        assertThat(SandboxSetup.switches(jobFile("{ refuse-content-at-create: nsfwword,"
                + " refuse-content-in-generation: blockedword, refuse-account: LiangXin=402 }")))
                .isEqualTo(new SandboxSetup.Switches("nsfwword", "blockedword", "liangxin", 402));
        JobFile wrong = jobFile("{ refuse-account: liangxin=500 }");
        assertThatThrownBy(() -> SandboxSetup.switches(wrong)).isInstanceOf(UsageException.class)
                .hasMessageContaining("key sandbox.refuse-account: \"liangxin=500\" must be PROVIDER=STATUS");
    }

    @Test
    void aSandboxRunPointsEveryProviderAtTheSandboxAndMarksItselfSandboxActive() {
        try (SandboxProvider sandbox = SandboxProvider.start(SandboxSettings.defaults())) {
            assertThat(SandboxSetup.springArgs(sandbox))
                    .contains("--imagebatch.providers.liangxin.base-url=" + sandbox.baseUrl())
                    .contains("--imagebatch.providers.mingyan.base-url=" + sandbox.baseUrl())
                    .contains("--imagebatch.download.allow-private-networks=true")
                    .contains("--" + BatchSettingsResolver.SANDBOX_ACTIVE + "=true")
                    .filteredOn(a -> a.contains(".base-url=")).hasSize(4);
        }
    }
}
