package io.imagebatch.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.job.Fallback;
import io.imagebatch.testsupport.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code fallback} key of a job file (README.md, "A fallback provider" and "Bad input"): read in order, and
 * every way it can be wrong refused before anything is sent (exit 2), named by file, line, entry and rule.
 */
class JobFileFallbackTest {

    @TempDir
    Path dir;

    @Test
    void fallbacksAreReadInOrderWithTheDefaultModelLeftOpen() throws Exception {
        JobFile f = JobFile.load(write("night.yml", """
                catalogue: c.csv
                provider: liangxin
                fallback:
                  - { provider: HiAPI, model: Nano-Banana-Pro }
                  - provider: crun
                """));

        assertThat(f.fallbacks()).containsExactly(new Fallback("hiapi", "Nano-Banana-Pro"),
                new Fallback("crun", null));
        assertThat(JobFile.load(write("plain.yml", "catalogue: c.csv\n")).fallbacks()).isEmpty();
    }

    @Test
    void aFallbackListOfTheWrongShapeIsNamedByFileLineEntryAndRule() throws Exception {
        String head = "name: x\nprovider: liangxin\nfallback:\n";
        assertRefused("name: x\nprovider: liangxin\nfallback: hiapi\n", "fallback must be a list");
        assertRefused(head + "  - hiapi\n", "fallback entry 1 must be a mapping { provider, model }");
        assertRefused(head + "  - { model: Nano-Banana-Pro }\n", "fallback entry 1: provider is missing");
        assertRefused(head + "  - { provider: hiapi, key: abc }\n", "fallback entry 1: unknown key \"key\"");
        assertRefused(head + "  - { provider: hiapi }\n  - { provider: HIAPI }\n",
                "fallback entry 2 (hiapi) is a duplicate");
        assertRefused(head + "  - { provider: liangxin }\n", "fallback entry 1 (liangxin) is a duplicate");
    }

    @Test
    void aFallbackProviderThatIsNotConfiguredIsRefusedWithExitCode2BeforeAnythingIsSent() throws Exception {
        CliRun run = validate("- { provider: hiapi }", "liangxin");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.output()).contains("job file " + dir.resolve("night.yml") + ", line 4: fallback entry 1"
                + " (hiapi): provider hiapi is not configured").contains("IMAGEBATCH_PROVIDERS_HIAPI_APIKEY");
    }

    @Test
    void anUnknownProviderAnUnknownModelOrADuplicateAfterDefaultsIsRefusedWithExitCode2() throws Exception {
        CliRun unknown = validate("- { provider: dalle }", "liangxin", "hiapi");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.output()).contains("line 4: fallback entry 1 (dalle): \"dalle\" is not a supported"
                + " provider");

        CliRun model = validate("- { provider: hiapi, model: dall-e-3 }", "liangxin", "hiapi");
        assertThat(model.exitCode()).isEqualTo(2);
        assertThat(model.output()).contains("fallback entry 1 (hiapi dall-e-3): \"dall-e-3\" is not a model of"
                + " hiapi (models: Nano-Banana-Pro)");

        CliRun twice = validate("- { provider: hiapi }\n  - { provider: hiapi, model: nano-banana-pro }", "liangxin",
                "hiapi");
        assertThat(twice.exitCode()).isEqualTo(2);
        assertThat(twice.output()).contains("fallback entry 2 (hiapi nano-banana-pro) is a duplicate");
    }

    private CliRun validate(String entries, String... configured) throws Exception {
        Path catalogue = Files.writeString(dir.resolve("c.csv"), "id,prompt\nsku-1,A studio photo of a teapot\n");
        Path job = write("night.yml", "catalogue: " + catalogue + "\nprovider: liangxin\nname: night\nfallback:\n  "
                + entries + "\n");
        String[] args = new String[1 + 2 * configured.length];
        args[0] = job.toString();
        for (int i = 0; i < configured.length; i++) {
            args[1 + 2 * i] = "--imagebatch.providers." + configured[i] + ".base-url=http://127.0.0.1:9";
            args[2 + 2 * i] = "--imagebatch.providers." + configured[i] + ".api-key=k";
        }
        return CliRun.command(dir, "validate", args);
    }

    private void assertRefused(String yaml, String message) throws Exception {
        Path file = write("bad.yml", yaml);
        assertThatThrownBy(() -> JobFile.load(file)).isInstanceOf(UsageException.class)
                .hasMessageContaining("job file " + file + ", line 3: " + message);
    }

    private Path write(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content);
    }
}
