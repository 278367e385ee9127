package io.imagebatch.sandbox;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A closed set of wire labels a request field may hold, each standing for a value: the documented enums of the
 * providers' create bodies (models, aspect ratios, resolutions, output formats; docs/providers/). Labels keep the
 * order they were given in, which is the order error messages list them in. Immutable and thread-safe.
 *
 * @param <T> what a label stands for
 */
final class Choices<T> {

    private final Map<String, T> byLabel;
    private final boolean ignoreCase;

    private Choices(Map<String, T> byLabel, boolean ignoreCase) {
        this.byLabel = byLabel;
        this.ignoreCase = ignoreCase;
    }

    /**
     * @param labels the labels, in the order error messages list them
     * @param values the value of each label, at the same index
     * @param <T>    what a label stands for
     * @return the choices, matched exactly (case included)
     * @throws IllegalArgumentException when the two lists differ in length
     */
    static <T> Choices<T> of(List<String> labels, List<T> values) {
        if (labels.size() != values.size()) {
            throw new IllegalArgumentException("labels and values differ in length: " + labels + ", " + values);
        }
        Map<String, T> map = new LinkedHashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            map.put(labels.get(i), values.get(i));
        }
        return new Choices<>(map, false);
    }

    /**
     * @param label  the wire label of a value
     * @param values the values, in the order error messages list them
     * @param <T>    the value type
     * @return the choices, each value under its label, matched exactly
     */
    static <T> Choices<T> of(Function<T, String> label, List<T> values) {
        Map<String, T> map = new LinkedHashMap<>();
        values.forEach(value -> map.put(label.apply(value), value));
        return new Choices<>(map, false);
    }

    /**
     * @param labels the labels, each standing for itself, in the order error messages list them
     * @return the choices, matched exactly
     */
    static Choices<String> ofLabels(List<String> labels) {
        return of(Function.identity(), labels);
    }

    /**
     * @return the same choices matched ignoring case (the labels must be upper case, as {@code 1K}; a request's
     * label is upper-cased in {@link Locale#ROOT} before the look-up)
     */
    Choices<T> ignoringCase() {
        return new Choices<>(byLabel, true);
    }

    /**
     * @param label a label as sent
     * @return its value, or empty when it is not one of the labels
     */
    Optional<T> find(String label) {
        return Optional.ofNullable(byLabel.get(ignoreCase ? label.toUpperCase(Locale.ROOT) : label));
    }

    /** @return the labels joined by {@code ", "}, in order, for example {@code 1K, 2K, 4K} */
    String labels() {
        return String.join(", ", byLabel.keySet());
    }

    /**
     * @param label     a label as sent, or null when the field is absent
     * @param name      the field's name in error messages, for example {@code input.resolution}
     * @param byDefault the value when the field is absent
     * @return the label's value, or {@code byDefault} when {@code label} is null
     * @throws BadRequestException {@code "<name> must be one of <labels>, got <label>"} when the label is not one
     *                             of the choices
     */
    T require(String label, String name, T byDefault) throws BadRequestException {
        if (label == null) {
            return byDefault;
        }
        Optional<T> value = find(label);
        if (value.isEmpty()) {
            throw new BadRequestException(name + " must be one of " + labels() + ", got " + label);
        }
        return value.get();
    }

    /**
     * Reads a string field and looks its label up ({@link RequestFields#string}, then {@link #require}).
     *
     * @param parent    the object holding the field
     * @param field     the field's JSON name
     * @param name      the field's name in error messages, for example {@code input.aspect_ratio}
     * @param byDefault the value when the field is absent or JSON null
     * @return the label's value, or {@code byDefault}
     * @throws BadRequestException {@code "<name> must be a string"} when the field is not a string;
     *                             {@code "<name> must be one of <labels>, got <label>"} when it is not a label
     */
    T read(tools.jackson.databind.JsonNode parent, String field, String name, T byDefault)
            throws BadRequestException {
        return require(RequestFields.string(parent, field, name), name, byDefault);
    }
}
