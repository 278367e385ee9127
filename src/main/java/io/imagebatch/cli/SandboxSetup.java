package io.imagebatch.cli;

import io.imagebatch.app.BatchSettingsResolver;
import io.imagebatch.app.JobFile;
import io.imagebatch.app.UsageException;
import io.imagebatch.provider.crun.CrunAdapter;
import io.imagebatch.provider.hiapi.HiApiAdapter;
import io.imagebatch.provider.liangxin.LiangXinAdapter;
import io.imagebatch.provider.mingyan.MingyanAdapter;
import io.imagebatch.sandbox.SandboxProvider;
import io.imagebatch.sandbox.SandboxSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.boot.convert.DurationStyle;

/**
 * The sandbox provider of a {@code --sandbox} run or serve (README, "A real provider"): its settings from a job
 * file's {@code sandbox:} section, and the settings that point every provider it speaks for at it.
 */
final class SandboxSetup {

    /** The keys a job file's {@code sandbox:} section may have. */
    static final List<String> KEYS = List.of("min-generation-time", "max-generation-time", "failure-rate", "seed");

    /** Providers the sandbox speaks for, in {@code --sandbox} runs. */
    private static final List<String> SANDBOX_PROVIDERS =
            List.of(LiangXinAdapter.NAME, MingyanAdapter.NAME, HiApiAdapter.NAME, CrunAdapter.NAME);

    private SandboxSetup() {
    }

    /**
     * The sandbox's settings: {@link SandboxSettings#defaults()}, with what the job file's {@code sandbox:}
     * section sets ({@code min-generation-time} and {@code max-generation-time}: durations such as {@code 2s}
     * or {@code PT2S}; {@code failure-rate}: 0 to 1; {@code seed}: a whole number).
     *
     * @param jobFile the job file, or null (then the defaults)
     * @return the settings
     * @throws UsageException naming the job file and the key for an unknown key, or a value that is not a
     *                        duration or number, or out of its range ({@link SandboxSettings})
     */
    static SandboxSettings settings(JobFile jobFile) {
        SandboxSettings s = SandboxSettings.defaults();
        Map<String, String> m = jobFile == null || jobFile.sandbox() == null ? Map.of() : jobFile.sandbox();
        for (String key : m.keySet()) {
            if (!KEYS.contains(key)) {
                throw new UsageException("job file " + jobFile.path() + ": unknown key \"sandbox." + key
                        + "\" (known: " + String.join(", ", KEYS) + ")");
            }
        }
        try {
            Duration min = m.containsKey("min-generation-time")
                    ? DurationStyle.detectAndParse(m.get("min-generation-time")) : s.minGenerationTime();
            Duration max = m.containsKey("max-generation-time")
                    ? DurationStyle.detectAndParse(m.get("max-generation-time")) : s.maxGenerationTime();
            double failureRate = m.containsKey("failure-rate") ? Double.parseDouble(m.get("failure-rate"))
                    : s.failureRate();
            long seed = m.containsKey("seed") ? Long.parseLong(m.get("seed")) : s.seed();
            return new SandboxSettings(s.port(), min, max, failureRate, seed, s.serverErrorRate(),
                    s.rateLimitPerSecond());
        } catch (IllegalArgumentException e) {
            throw new UsageException("job file " + jobFile.path() + ": bad sandbox setting: " + e.getMessage());
        }
    }

    /**
     * Settings that point every provider the sandbox speaks for at it, so a sandbox run never reaches a real one.
     *
     * @param sandbox the started sandbox provider
     * @return {@code --NAME.X=V} settings for Spring: each provider's base URL and the sandbox's key, private
     *         networks allowed for downloads (the sandbox serves from loopback), and
     *         {@link BatchSettingsResolver#SANDBOX_ACTIVE}{@code =true}
     */
    static List<String> springArgs(SandboxProvider sandbox) {
        List<String> args = new ArrayList<>();
        for (String provider : SANDBOX_PROVIDERS) {
            args.add("--imagebatch.providers." + provider + ".base-url=" + sandbox.baseUrl());
            args.add("--imagebatch.providers." + provider + ".api-key=" + SandboxProvider.API_KEY);
        }
        // the sandbox serves its images from loopback
        args.add("--imagebatch.download.allow-private-networks=true");
        // tells BatchRunner that this process's providers are the sandbox: only sandbox batches run here
        args.add("--" + BatchSettingsResolver.SANDBOX_ACTIVE + "=true");
        return args;
    }
}
