package io.imagebatch.catalogue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * A prompt template such as {@code "Studio photo of {Title} by {Vendor}"}: literal text with {@code {Name}}
 * placeholders, filled once per catalogue row.
 *
 * <p>Syntax: {@code {Name}} is a placeholder (the name is trimmed, must not be blank and must not contain a
 * brace); <code>{{</code> and <code>}}</code> stand for a literal <code>{</code> and <code>}</code>. Anything else is
 * literal text, copied as is. Values filled in are inserted literally: braces in a value are never read as
 * placeholders.
 *
 * <p>This class knows only the syntax. Matching a placeholder to a catalogue header (case-insensitively) is
 * the caller's job, through the lookup given to {@link #fill(Function)}. Instances are immutable and
 * thread-safe.
 */
public final class PromptTemplate {

    /** One piece of the template: literal text or a placeholder. */
    private record Part(String text, boolean placeholder) {
    }

    private final String source;
    private final List<Part> parts;
    private final List<String> placeholders;

    private PromptTemplate(String source, List<Part> parts) {
        this.source = source;
        this.parts = List.copyOf(parts);
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (Part part : parts) {
            if (part.placeholder()) {
                names.add(part.text());
            }
        }
        this.placeholders = List.copyOf(names);
    }

    /**
     * Parses a template.
     *
     * @param template the template text, for example {@code "Studio photo of {Title} by {Vendor}"}
     * @return the parsed template
     * @throws IllegalArgumentException when the template is null or blank, has a <code>{</code> that is never
     *                                  closed, a single <code>}</code> outside a placeholder, or an empty
     *                                  placeholder <code>{}</code>; the message names the 1-based character
     *                                  position and how to write a literal brace
     */
    public static PromptTemplate parse(String template) {
        if (template == null || template.isBlank()) {
            throw new IllegalArgumentException("the prompt template is empty; give a text such as "
                    + "\"Studio photo of {Title}\", or leave the template out to use the prompt column");
        }
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            boolean doubled = i + 1 < template.length() && template.charAt(i + 1) == c;
            if ((c == '{' || c == '}') && doubled) {
                literal.append(c);
                i += 2;
            } else if (c == '}') {
                throw new IllegalArgumentException("the prompt template has a single } at character " + (i + 1)
                        + " that closes no placeholder; write }} for a literal brace: " + template);
            } else if (c == '{') {
                int close = template.indexOf('}', i + 1);
                int nested = template.indexOf('{', i + 1);
                if (close < 0 || (nested >= 0 && nested < close)) {
                    throw new IllegalArgumentException("the prompt template has a { at character " + (i + 1)
                            + " that is not closed before the next brace or the end; write {Header} for a placeholder or {{ for a literal brace: "
                            + template);
                }
                String name = template.substring(i + 1, close).strip();
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("the prompt template has an empty placeholder at character "
                            + (i + 1) + "; name a header inside the braces, or write {{}} for literal braces: "
                            + template);
                }
                if (!literal.isEmpty()) {
                    parts.add(new Part(literal.toString(), false));
                    literal.setLength(0);
                }
                parts.add(new Part(name, true));
                i = close + 1;
            } else {
                literal.append(c);
                i++;
            }
        }
        if (!literal.isEmpty()) {
            parts.add(new Part(literal.toString(), false));
        }
        return new PromptTemplate(template, parts);
    }

    /**
     * The placeholder names, trimmed, in the order of their first use, each once.
     *
     * @return an immutable list, empty when the template is all literal text
     */
    public List<String> placeholders() {
        return placeholders;
    }

    /**
     * Fills the template.
     *
     * @param lookup gives the value of a placeholder, called with the name as returned by
     *               {@link #placeholders()}; the value is inserted as is (no trimming, no brace handling)
     * @return the filled text
     * @throws IllegalArgumentException when the lookup returns null for a placeholder (the message names it);
     *                                  callers that must report empty values check them before filling
     */
    public String fill(Function<String, String> lookup) {
        Objects.requireNonNull(lookup, "lookup");
        StringBuilder out = new StringBuilder(source.length() + 64);
        for (Part part : parts) {
            if (!part.placeholder()) {
                out.append(part.text());
                continue;
            }
            String value = lookup.apply(part.text());
            if (value == null) {
                throw new IllegalArgumentException("no value for the prompt template placeholder {" + part.text() + "}");
            }
            out.append(value);
        }
        return out.toString();
    }

    /** @return the template text exactly as given to {@link #parse(String)} */
    public String text() {
        return source;
    }

    /** @return the template text exactly as given to {@link #parse(String)} */
    @Override
    public String toString() {
        return source;
    }
}
