package io.imagebatch.job;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * One entry of a job file's {@code fallback:} list (README, "A fallback provider"): a provider (and model) the
 * batch's rows move to, in the order written, when the provider before it cannot take them and their create
 * certainly did not happen there. Written as
 * <pre>
 * fallback:
 *   - { provider: hiapi, model: Nano-Banana-Pro }
 *   - { provider: crun }            # model: the provider's default
 * </pre>
 *
 * @param provider the provider's name, lower case (as {@code provider:} names it)
 * @param model    the model, or null for the provider's default model
 */
public record Fallback(String provider, String model) {

    /** The keys an entry may have. */
    public static final Set<String> KEYS = Set.of("provider", "model");

    /** @return {@code provider model}, or {@code provider} alone when the default model is meant */
    public String label() {
        return model == null ? provider : provider + " " + model;
    }

    /**
     * Reads a {@code fallback:} value: a list of mappings with {@code provider} (required) and {@code model}
     * (optional). Which providers and models exist, and whether they are configured, is checked when the batch
     * runs ({@code io.imagebatch.app.FallbackCheck}), where the providers are known.
     *
     * @param value    the YAML value: null (no fallback) or a list
     * @param provider the batch's own provider (lower case), which no entry may repeat
     * @param model    the batch's own model, or null for the provider's default
     * @return the entries in order; empty for null
     * @throws IllegalArgumentException when the value is not a list of such mappings, an entry has an unknown key
     *                                  or no provider, or an entry repeats another or the batch's own provider
     *                                  and model; the message names the entry (1-based) and the rule
     */
    public static List<Fallback> parseList(Object value, String provider, String model) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("fallback must be a list of { provider, model } entries, e.g."
                    + " fallback: [ { provider: hiapi, model: Nano-Banana-Pro } ]");
        }
        List<Fallback> result = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        if (provider != null) {
            seen.add(key(provider, model));
        }
        for (int i = 0; i < list.size(); i++) {
            String entry = "fallback entry " + (i + 1);
            if (!(list.get(i) instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException(entry + " must be a mapping { provider, model }");
            }
            for (Object key : map.keySet()) {
                if (!KEYS.contains(String.valueOf(key))) {
                    throw new IllegalArgumentException(entry + ": unknown key \"" + key + "\" (known: model, provider)");
                }
            }
            Object p = map.get("provider");
            if (p == null || String.valueOf(p).isBlank()) {
                throw new IllegalArgumentException(entry + ": provider is missing");
            }
            Object m = map.get("model");
            Fallback fallback = new Fallback(String.valueOf(p).trim().toLowerCase(Locale.ROOT),
                    m == null || String.valueOf(m).isBlank() ? null : String.valueOf(m).trim());
            if (!seen.add(key(fallback.provider(), fallback.model()))) {
                throw new IllegalArgumentException(entry + " (" + fallback.label() + ") is a duplicate: it repeats"
                        + " an earlier entry or the batch's own provider and model");
            }
            result.add(fallback);
        }
        return List.copyOf(result);
    }

    private static String key(String provider, String model) {
        return provider.toLowerCase(Locale.ROOT) + " " + (model == null ? "" : model.toLowerCase(Locale.ROOT));
    }
}
