package io.imagebatch.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

class ImageFormatTest {

    @Test
    void sniffsRealImages() {
        byte[] png = TestImages.png(7, 5);
        byte[] jpeg = TestImages.jpeg(7, 5);
        byte[] webp = TestImages.webpLike(100);
        assertThat(ImageFormat.sniff(png, png.length)).contains(ImageFormat.PNG);
        assertThat(ImageFormat.sniff(jpeg, jpeg.length)).contains(ImageFormat.JPEG);
        assertThat(ImageFormat.sniff(webp, webp.length)).contains(ImageFormat.WEBP);
        assertThat(ImageFormat.pngSize(png, png.length)).hasValueSatisfying(size -> assertThat(size).containsExactly(7, 5));
        assertThat(ImageFormat.PNG.extension()).isEqualTo("png");
        assertThat(ImageFormat.JPEG.extension()).isEqualTo("jpg");
        assertThat(ImageFormat.WEBP.contentType()).isEqualTo("image/webp");
    }

    @Test
    void refusesOtherOrTooFewBytes() {
        byte[] gif = "GIF89a....................".getBytes(StandardCharsets.US_ASCII);
        byte[] riffWave = "RIFF\0\0\0\0WAVEfmt ".getBytes(StandardCharsets.US_ASCII);
        byte[] png = TestImages.png(7, 5);
        assertThat(ImageFormat.sniff(gif, gif.length)).isEmpty();
        assertThat(ImageFormat.sniff(riffWave, riffWave.length)).isEmpty();
        assertThat(ImageFormat.sniff(png, 7)).isEmpty();
        assertThat(ImageFormat.sniff(new byte[] {(byte) 0xff, (byte) 0xd8}, 2)).isEmpty();
        assertThat(ImageFormat.pngSize(png, 20)).isEmpty();
        byte[] noIhdr = Arrays.copyOf(png, 24);
        noIhdr[12] = 'X';
        assertThat(ImageFormat.pngSize(noIhdr, 24)).isEmpty();
    }
}
