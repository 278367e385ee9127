package io.imagebatch.label;

import java.util.Objects;

/**
 * What a delivered image says about itself (README.md, "Labelled as AI-generated"), as an XMP packet
 * ({@link #xmp()}, Adobe XMP Specification Part 1, RDF/XML serialization):
 * <ul>
 * <li>{@code Iptc4xmpExt:DigitalSourceType} = {@value #DIGITAL_SOURCE_TYPE}, always (IPTC Photo Metadata
 *     Standard, "Digital Source Type", and the IPTC NewsCodes vocabulary {@code digitalsourcetype}; Google
 *     Merchant Center asks that AI-generated product images keep it);</li>
 * <li>{@code dc:identifier} = the catalogue row id, always;</li>
 * <li>unless {@link MetadataLevel#MINIMAL}: {@code dc:description} (a language alternative, {@code x-default})
 *     = the prompt sent, {@code xmp:CreatorTool} = {@value #CREATOR_TOOL}, and {@code imagebatch:Model} = the
 *     model that made the image (in the namespace {@value #NAMESPACE}).</li>
 * </ul>
 * Text is XML-escaped ({@code & < > "}, a carriage return as {@code &#13;} so that it survives XML's line-end
 * normalisation); characters XML 1.0 cannot carry at all (control characters other than tab, line feed and
 * carriage return, unpaired surrogates, U+FFFE, U+FFFF) become U+FFFD. Characters outside the BMP (emoji) are
 * kept as they are (UTF-8).
 *
 * @param rowId  the catalogue row id; not null
 * @param prompt the prompt sent to the provider, or null when unknown
 * @param model  the model that made the image, or null when unknown
 * @param level  how much is written; not null
 */
public record ImageLabel(String rowId, String prompt, String model, MetadataLevel level) {

    /** The IPTC digital source type of an image made by a model trained on sampled content. */
    public static final String DIGITAL_SOURCE_TYPE =
            "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";
    /** The {@code xmp:CreatorTool} written unless {@link MetadataLevel#MINIMAL}. */
    public static final String CREATOR_TOOL = "ImageBatch";
    /** The namespace of ImageBatch's own XMP property ({@code imagebatch:Model}). */
    public static final String NAMESPACE = "urn:io.imagebatch:xmp:1.0/";

    /**
     * @throws NullPointerException when the row id or the level is null
     */
    public ImageLabel {
        Objects.requireNonNull(rowId, "rowId");
        Objects.requireNonNull(level, "level");
    }

    /**
     * @return the XMP packet (UTF-8 text, starting with the {@code <?xpacket begin} processing instruction and
     *         ending with {@code <?xpacket end="w"?>}), the shape in the class comment
     */
    public String xmp() {
        StringBuilder x = new StringBuilder(512 + (prompt == null ? 0 : prompt.length() * 2));
        x.append("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
                .append("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n")
                .append(" <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n")
                .append("  <rdf:Description rdf:about=\"\"\n")
                .append("    xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\"\n")
                .append("    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"");
        boolean full = level == MetadataLevel.FULL;
        if (full) {
            x.append("\n    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n")
                    .append("    xmlns:imagebatch=\"").append(NAMESPACE).append('"');
        }
        x.append(">\n");
        element(x, "Iptc4xmpExt:DigitalSourceType", DIGITAL_SOURCE_TYPE);
        element(x, "dc:identifier", rowId);
        if (full) {
            if (prompt != null) {
                x.append("   <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">").append(escape(prompt))
                        .append("</rdf:li></rdf:Alt></dc:description>\n");
            }
            element(x, "xmp:CreatorTool", CREATOR_TOOL);
            if (model != null) {
                element(x, "imagebatch:Model", model);
            }
        }
        x.append("  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>");
        return x.toString();
    }

    private static void element(StringBuilder x, String name, String text) {
        x.append("   <").append(name).append('>').append(escape(text)).append("</").append(name).append(">\n");
    }

    /**
     * Escapes text for XML 1.0 element content (the rules in the class comment).
     *
     * @param text any text, possibly with unpaired surrogates and control characters
     * @return the escaped text
     */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(i + 1));
                i += 2;
                continue;
            }
            i++;
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\r' -> out.append("&#13;");
                case '\t', '\n' -> out.append(c);
                default -> out.append(c < 0x20 || Character.isSurrogate(c) || c == '\uFFFE' || c == '\uFFFF'
                        ? '\uFFFD' : c);
            }
        }
        return out.toString();
    }
}
