package io.imagebatch.report;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * HTML escaping for text that came from users (prompts, row ids) or providers (error messages): the same
 * escape serves element content and double- or single-quoted attribute values.
 */
public final class Html {

    private Html() {
    }

    /**
     * Escapes text for HTML.
     *
     * @param text any text, or null (written as nothing)
     * @return the text with {@code & < > " '} as character references, and control characters that HTML does not
     *         allow (C0 other than tab, line feed and carriage return, DEL, C1, lone surrogates) as U+FFFD
     */
    public static String escape(CharSequence text) {
        StringBuilder sb = new StringBuilder(text == null ? 0 : text.length() + 16);
        escape(text, sb);
        return sb.toString();
    }

    /**
     * Escapes text for HTML into {@code out}, as {@link #escape(CharSequence)} does, without building a string.
     *
     * @param text any text, or null (writes nothing)
     * @param out  where the escaped text goes
     * @throws UncheckedIOException when {@code out} fails
     */
    public static void escape(CharSequence text, Appendable out) {
        if (text == null) {
            return;
        }
        try {
            int n = text.length();
            for (int i = 0; i < n; i++) {
                char c = text.charAt(i);
                switch (c) {
                    case '&' -> out.append("&amp;");
                    case '<' -> out.append("&lt;");
                    case '>' -> out.append("&gt;");
                    case '"' -> out.append("&quot;");
                    case '\'' -> out.append("&#39;");
                    default -> {
                        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                            out.append(c).append(text.charAt(++i));
                        } else if (Character.isSurrogate(c) || isForbiddenControl(c)) {
                            // a parse error in HTML, and unencodable in UTF-8 for a lone surrogate
                            out.append('\uFFFD');
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isForbiddenControl(char c) {
        return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0x7f && c <= 0x9f);
    }
}
