package io.imagebatch.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutputLocationTest {

    @Test
    void parsesBucketWithoutPrefix() {
        OutputLocation location = OutputLocation.parse("s3://my-bucket");
        assertThat(location.kind()).isEqualTo(OutputLocation.Kind.S3);
        assertThat(location.bucket()).isEqualTo("my-bucket");
        assertThat(location.prefix()).isEmpty();
        assertThat(location.directory()).isNull();
        assertThat(location.key("b1", "row-1.png")).isEqualTo("b1/row-1.png");
        assertThat(location.uri()).isEqualTo(URI.create("s3://my-bucket"));
        assertThat(OutputLocation.parse("s3://my-bucket/").prefix()).isEmpty();
    }

    @Test
    void parsesNestedPrefixAndStripsSlashes() {
        OutputLocation location = OutputLocation.parse("  S3://images.example/catalogue/2024/ ");
        assertThat(location.bucket()).isEqualTo("images.example");
        assertThat(location.prefix()).isEqualTo("catalogue/2024");
        assertThat(location.key("batch-7", "row-42.png")).isEqualTo("catalogue/2024/batch-7/row-42.png");
        assertThat(location.key("batch-7/report.csv")).isEqualTo("catalogue/2024/batch-7/report.csv");
        assertThat(location.uri()).isEqualTo(URI.create("s3://images.example/catalogue/2024"));
        assertThat(location).hasToString("s3://images.example/catalogue/2024");
        assertThat(OutputLocation.parse("s3://bkt//a/b//").prefix()).isEqualTo("a/b");
    }

    @Test
    void parsesRelativeFolders() {
        Path cwd = Path.of("").toAbsolutePath();
        assertThat(OutputLocation.parse("file:some/dir").directory()).isEqualTo(cwd.resolve("some/dir"));
        assertThat(OutputLocation.parse("file:./output").directory()).isEqualTo(cwd.resolve("output"));
        OutputLocation location = OutputLocation.parse("FILE:output/../images");
        assertThat(location.kind()).isEqualTo(OutputLocation.Kind.FILE);
        assertThat(location.directory()).isEqualTo(cwd.resolve("images"));
        assertThat(location.bucket()).isNull();
        assertThat(location.prefix()).isEmpty();
        assertThat(location.key("b", "r.png")).isEqualTo("b/r.png");
    }

    @Test
    void parsesAbsoluteFolders() {
        assertThat(OutputLocation.parse("file:/abs/dir").directory()).isEqualTo(Path.of("/abs/dir"));
        assertThat(OutputLocation.parse("file:///abs/dir").directory()).isEqualTo(Path.of("/abs/dir"));
        assertThat(OutputLocation.parse("file://localhost/abs/dir").directory()).isEqualTo(Path.of("/abs/dir"));
        assertThat(OutputLocation.parse("file:/abs/my dir").uri()).isEqualTo(URI.create("file:/abs/my%20dir"));
        assertThat(OutputLocation.parse("file:/abs/dir/")).hasToString("file:/abs/dir");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "/abs/dir", "output", "http://example.com/x", "s3:/bucket", "s3:bucket",
            "gs://bucket/x", "ftp://host/dir"})
    void refusesOtherForms(String text) {
        assertThatThrownBy(() -> OutputLocation.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("s3://bucket/prefix")
                .hasMessageContaining("file:relative/dir")
                .hasMessageContaining("file:/absolute/dir");
    }

    @ParameterizedTest
    @ValueSource(strings = {"s3://", "s3:///prefix", "s3://Upper", "s3://ab", "s3://bad_name/x", "s3://-bucket",
            "s3://bucket/a/../b", "s3://bucket/a/./b", "s3://bucket/p?x=1", "s3://bucket/p#f", "file:",
            "file://", "file://server/share", "file:   "})
    void refusesBrokenLocations(String text) {
        assertThatThrownBy(() -> OutputLocation.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unsupported output location")
                .hasMessageContaining(OutputLocation.ACCEPTED_FORMS);
    }

    @Test
    void refusesBadKeys() {
        OutputLocation location = OutputLocation.parse("s3://bucket/p");
        assertThatThrownBy(location::key).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> location.key("a", " ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> location.key("a", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> location.key("../x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> location.key("/x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> location.key("x/")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> location.key("a\\b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> location.key("a\nb")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\\u000a");
    }
}
