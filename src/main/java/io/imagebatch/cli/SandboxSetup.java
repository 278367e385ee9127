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
    static final List<String> KEYS = List.of("min-generation-time", "max-generation-time", "failure-rate", "seed",
            "refuse-content-at-create", "refuse-content-in-generation", "refuse-account");

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
     * The sandbox's switches a job file's {@code sandbox:} section sets, off unless set: a content filter
     * ({@code refuse-content-at-create} and {@code refuse-content-in-generation}: marker words, README, "Content
     * refusals") and a refused account ({@code refuse-account: liangxin=401}: that provider answers every create
     * with 401, 402, 403 or 505, README, "A fallback provider").
     *
     * @param createWord     a prompt holding it is refused at create, or null
     * @param generationWord a prompt holding it fails in generation for content policy, or null
     * @param account        the provider whose account is refused, or null
     * @param accountStatus  the status its creates are answered with; 0 when {@code account} is null
     */
    record Switches(String createWord, String generationWord, String account, int accountStatus) {

        /** @param sandbox the started sandbox, switched as these say */
        void applyTo(SandboxProvider sandbox) {
            if (createWord != null || generationWord != null) {
                sandbox.refuseContent(createWord, generationWord);
            }
            if (account != null) {
                sandbox.refuseAccount(account, accountStatus);
            }
        }
    }

    /**
     * Reads the switches of a job file's {@code sandbox:} section ({@link Switches}); call before starting the
     * sandbox, so a wrong value starts nothing.
     *
     * @param jobFile the job file, or null (no switch)
     * @return the switches
     * @throws UsageException naming the job file and the key when {@code refuse-account} is not
     *                        {@code PROVIDER=STATUS} with a provider the sandbox speaks for and 401, 402, 403 or 505
     */
    static Switches switches(JobFile jobFile) {
        Map<String, String> m = jobFile == null || jobFile.sandbox() == null ? Map.of() : jobFile.sandbox();
        String account = null;
        int status = 0;
        String refused = m.get("refuse-account");
        if (refused != null) {
            String[] parts = refused.split("=", 2);
            account = parts[0].trim().toLowerCase(java.util.Locale.ROOT);
            try {
                status = parts.length == 2 ? Integer.parseInt(parts[1].trim()) : 0;
            } catch (NumberFormatException e) {
                status = 0;
            }
            if (!SANDBOX_PROVIDERS.contains(account) || !List.of(401, 402, 403, 505).contains(status)) {
                throw new UsageException("job file " + jobFile.path() + ", key sandbox.refuse-account: \"" + refused
                        + "\" must be PROVIDER=STATUS with a provider of " + String.join(", ", SANDBOX_PROVIDERS)
                        + " and a status of 401, 402, 403 or 505, e.g. liangxin=401");
            }
        }
        return new Switches(m.get("refuse-content-at-create"), m.get("refuse-content-in-generation"), account,
                status);
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
