package io.imagebatch.storage;

/**
 * Validation of object keys, shared by both stores so that a key means the same thing in a folder and in a
 * bucket (key layout: {@code docs/design.md}, "Output store").
 */
final class ObjectKeys {

    private ObjectKeys() {
    }

    /**
     * Checks that {@code key} is a relative, normalised, slash-separated key.
     *
     * @param key the key, for example {@code batch-1/row-42.png}
     * @return the key unchanged
     * @throws IllegalArgumentException when the key is null or blank, starts or ends with {@code /}, has an
     *                                  empty, {@code .} or {@code ..} segment, a backslash or a control character
     */
    static String check(String key) {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("object key must not be blank");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                throw new IllegalArgumentException("object key must not contain a backslash or control character: "
                        + printable(key));
            }
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("object key must be relative, without empty, '.' or '..' segments"
                        + " and without leading or trailing '/': " + printable(key));
            }
        }
        return key;
    }

    private static String printable(String key) {
        StringBuilder sb = new StringBuilder(key.length());
        key.codePoints().forEach(cp -> {
            if (cp < 0x20 || cp == 0x7f) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return '"' + sb.toString() + '"';
    }
}
