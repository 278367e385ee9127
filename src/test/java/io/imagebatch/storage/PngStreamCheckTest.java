package io.imagebatch.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link ImageCheck.PngStream}: the PNG check a download runs on its body as it arrives, in whatever pieces the
 * network hands it, judging every image as the check of the whole file does (PNG specification, sections 5.3 to
 * 5.6 and 11.2; {@code docs/design.md}, "The job", download step).
 */
class PngStreamCheckTest {

    private static final long LIMIT = 100_000_000L;

    @Test
    void aPngFedInAnyPiecesIsJudgedAsWhenFedWhole() {
        byte[] good = TestImages.png(64, 48);
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("valid", good);
        byte[] flipped = good.clone();
        flipped[flipped.length / 2] ^= 0x55;
        cases.put("bit flip in IDAT", flipped);
        cases.put("no IEND", Arrays.copyOf(good, good.length - 12));
        cases.put("cut inside a chunk", Arrays.copyOf(good, good.length / 2));
        byte[] trailing = Arrays.copyOf(good, good.length + 3);
        cases.put("data after IEND", trailing);
        byte[] notIhdr = good.clone();
        notIhdr[12] = 'X';
        cases.put("first chunk not IHDR", notIhdr);
        cases.put("bomb", TestImages.pngDeclaring(64, 48, 100_000, 100_000));

        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            String whole = judge(c.getValue(), c.getValue().length);
            for (int piece : new int[] {1, 3, 7, 13, 4096}) {
                assertThat(judge(c.getValue(), piece)).as(c.getKey() + " in pieces of " + piece).isEqualTo(whole);
            }
        }
        assertThat(judge(good, good.length)).isEqualTo("64 x 48");
        assertThat(judge(flipped, flipped.length)).contains("fails its CRC");
        assertThat(judge(trailing, trailing.length)).contains("data follows the IEND chunk");
        assertThat(judge(notIhdr, notIhdr.length)).contains("not IHDR");
        assertThat(judge(cases.get("no IEND"), 1)).contains("ends without an IEND chunk");
    }

    @Test
    void aDecompressionBombIsRefusedFromItsHeaderEvenWhenTheRestIsBroken() {
        byte[] bomb = TestImages.pngDeclaring(64, 48, 100_000, 100_000);
        byte[] headerOnly = Arrays.copyOf(bomb, 8 + 25); // signature and IHDR, nothing else

        ImageCheck.PngStream check = new ImageCheck.PngStream(LIMIT);
        check.update(headerOnly, 0, headerOnly.length);

        assertThat(judge(headerOnly, headerOnly.length)).contains("100000 x 100000 pixels")
                .contains("imagebatch.download.max-pixels");
        try {
            check.finish();
        } catch (ImageCheck.Refused e) {
            assertThat(e.retryable()).as("the same file would be refused again").isFalse();
            return;
        }
        throw new AssertionError("a bomb was accepted");
    }

    @Test
    void aHeaderWithAnInvalidColourTypeOrBitDepthIsRefused() {
        byte[] png = TestImages.png(16, 16);
        png[8 + 8 + 9] = 5; // colour type 5 does not exist (PNG specification, 11.2.2)
        fixIhdrCrc(png);
        assertThat(judge(png, png.length)).contains("colour type 5");
        byte[] depth = TestImages.png(16, 16);
        depth[8 + 8 + 8] = 3; // bit depth 3 exists for no colour type
        fixIhdrCrc(depth);
        assertThat(judge(depth, depth.length)).contains("bit depth 3");
    }

    private static void fixIhdrCrc(byte[] png) {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(png, 12, 17);
        java.nio.ByteBuffer.wrap(png).putInt(29, (int) crc.getValue());
    }

    /** @return "W x H", or the refusal's message */
    private static String judge(byte[] png, int piece) {
        ImageCheck.PngStream check = new ImageCheck.PngStream(LIMIT);
        for (int at = 0; at < png.length; at += piece) {
            check.update(png, at, Math.min(piece, png.length - at));
        }
        try {
            ImageCheck.Size size = check.finish();
            return size.width() + " x " + size.height();
        } catch (ImageCheck.Refused e) {
            return e.getMessage();
        }
    }
}
