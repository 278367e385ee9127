package io.imagebatch.testsupport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/** What a user checks of the files a batch delivered: an image's real format, a report line's renditions. */
public final class DeliveredImages {

    private DeliveredImages() {
    }

    /**
     * @param file an image file
     * @return the format an ImageIO reader recognises in its bytes (not its name), for example {@code png},
     *         {@code JPEG}, {@code webp}
     * @throws IOException    when the file cannot be read
     * @throws AssertionError when no reader recognises it
     */
    public static String formatOf(Path file) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new AssertionError(file + " is not an image any reader recognises");
            }
            return readers.next().getFormatName();
        }
    }

    /**
     * @param cell a report.csv {@code renditions} cell: {@code name=uri} pairs separated by a space
     * @return each rendition's name to its URI text, in the cell's order
     */
    public static Map<String, String> renditions(String cell) {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String pair : cell.split(" ")) {
            int eq = pair.indexOf('=');
            pairs.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return pairs;
    }
}
