package io.imagebatch.testsupport;

import io.imagebatch.label.ImageLabel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.commons.imaging.Imaging;
import org.w3c.dom.Element;

/**
 * Reads the XMP of an image file back independently of the code that wrote it: Apache Commons Imaging finds the
 * packet (JPEG APP1, PNG iTXt, WebP {@code XMP } chunk), the JDK's namespace-aware XML parser reads it.
 *
 * @param description the packet's {@code rdf:Description}
 * @param xmp         the packet as text
 */
public record XmpReadBack(Element description, String xmp) {

    /**
     * @param image a PNG, JPEG or WebP file
     * @return its XMP packet, parsed
     * @throws AssertionError when the file has no XMP packet
     * @throws Exception      when it cannot be read or parsed
     */
    public static XmpReadBack of(Path image) throws Exception {
        String xmp = Imaging.getXmpXml(image.toFile());
        if (xmp == null) {
            throw new AssertionError(image + " has no XMP packet");
        }
        return parse(xmp);
    }

    /**
     * @param xmp an XMP packet
     * @return it, parsed
     * @throws Exception when it is not well-formed XML
     */
    public static XmpReadBack parse(String xmp) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        var doc = factory.newDocumentBuilder().parse(new ByteArrayInputStream(xmp.getBytes(StandardCharsets.UTF_8)));
        return new XmpReadBack((Element) doc.getElementsByTagNameNS("http://www.w3.org/1999/02/22-rdf-syntax-ns#",
                "Description").item(0), xmp);
    }

    /**
     * @param qualifiedName {@code Iptc4xmpExt:DigitalSourceType}, {@code dc:identifier}, {@code dc:description},
     *                      {@code xmp:CreatorTool} or {@code imagebatch:Model}
     * @return the property's text (for {@code dc:description}, its {@code x-default} entry); empty when absent
     */
    public Optional<String> text(String qualifiedName) {
        String[] parts = qualifiedName.split(":");
        String namespace = switch (parts[0]) {
            case "Iptc4xmpExt" -> "http://iptc.org/std/Iptc4xmpExt/2008-02-29/";
            case "dc" -> "http://purl.org/dc/elements/1.1/";
            case "xmp" -> "http://ns.adobe.com/xap/1.0/";
            case "imagebatch" -> ImageLabel.NAMESPACE;
            default -> throw new IllegalArgumentException(qualifiedName);
        };
        var nodes = description.getElementsByTagNameNS(namespace, parts[1]);
        return nodes.getLength() == 0 ? Optional.empty() : Optional.of(nodes.item(0).getTextContent());
    }

    /** @return {@code Iptc4xmpExt:DigitalSourceType}, or empty */
    public Optional<String> digitalSourceType() {
        return text("Iptc4xmpExt:DigitalSourceType");
    }

    /**
     * @param image a file
     * @return whether it has an XMP packet
     * @throws IOException when the file cannot be read
     */
    public static boolean hasXmp(Path image) throws IOException {
        return Imaging.getXmpXml(image.toFile()) != null;
    }
}
