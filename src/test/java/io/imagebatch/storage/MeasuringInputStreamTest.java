package io.imagebatch.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

import org.junit.jupiter.api.Test;

/** The one byte-measuring stream of the storage package: its limits, its digest and its sticky failures. */
class MeasuringInputStreamTest {

    private static final byte[] DATA = TestStreams.randomBytes(100_000, 7);

    @Test
    void aDownloadYieldsItsBytesWithTheirCountAndSha256() throws Exception {
        MeasuringInputStream in = MeasuringInputStream.download(new ByteArrayInputStream(DATA), DATA.length,
                DATA.length);
        assertThat(in.readAllBytes()).isEqualTo(DATA);
        assertThat(in.ended()).isTrue();
        assertThat(in.count()).isEqualTo(DATA.length);
        assertThat(in.sha256Hex()).isEqualTo(
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(DATA)));
    }

    @Test
    void aBodyEndingBeforeItsDeclaredLengthFailsAsCutShort() {
        MeasuringInputStream in = MeasuringInputStream.download(new ByteArrayInputStream(DATA), 1_000_000,
                DATA.length + 1);
        assertThatThrownBy(() -> in.transferTo(OutputStream.nullOutputStream()))
                .hasMessageContaining("cut short");
        assertThat(in.failureKind()).isEqualTo(MeasuringInputStream.Failure.CUT_SHORT);
    }

    @Test
    void aBodyLargerThanTheLimitFailsAsTooLarge() {
        MeasuringInputStream in = MeasuringInputStream.download(new ByteArrayInputStream(DATA), DATA.length - 1, -1);
        assertThatThrownBy(() -> in.transferTo(OutputStream.nullOutputStream()))
                .hasMessageContaining("imagebatch.download.max-bytes");
        assertThat(in.failureKind()).isEqualTo(MeasuringInputStream.Failure.TOO_LARGE);
    }

    @Test
    void contentGoingOnPastItsDeclaredLengthFailsWhenTheDeclaredLengthIsReached() throws IOException {
        MeasuringInputStream in = MeasuringInputStream.content(new ByteArrayInputStream(DATA), 10);
        // a consumer that stops at the declared length still learns of the excess
        assertThatThrownBy(() -> in.readNBytes(10)).hasMessageContaining("longer than the 10 declared bytes");
        assertThat(in.failureKind()).isEqualTo(MeasuringInputStream.Failure.TOO_LONG);
    }

    @Test
    void aFailureIsStickyAndKeepsItsKind() {
        MeasuringInputStream in = MeasuringInputStream.content(TestStreams.failingAfter(DATA, 500), DATA.length);
        assertThatThrownBy(() -> in.transferTo(OutputStream.nullOutputStream()))
                .hasMessageContaining("connection reset");
        assertThatThrownBy(in::read).hasMessageContaining("connection reset");
        assertThat(in.failureKind()).isEqualTo(MeasuringInputStream.Failure.IO);
        assertThat(in.count()).isEqualTo(500);
    }

    @Test
    void contentOfUnknownLengthIsOnlyCountedAndHasNoDigest() throws IOException {
        MeasuringInputStream in = MeasuringInputStream.content(new ByteArrayInputStream(DATA), -1);
        assertThat(in.readAllBytes()).isEqualTo(DATA);
        assertThat(in.count()).isEqualTo(DATA.length);
        assertThatThrownBy(in::sha256Hex).isInstanceOf(IllegalStateException.class);
    }
}
