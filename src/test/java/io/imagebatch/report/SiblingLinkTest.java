package io.imagebatch.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** Relative links from the contact sheet to the images beside it. */
class SiblingLinkTest {

    private static final URI FILE_PAGE = URI.create("file:/home/me/output/demo-1/report.html");
    private static final URI S3_PAGE = URI.create("s3://images/spring/demo-1/report.html");

    @Test
    void anImageInTheSameFolderIsLinkedByItsName() {
        assertThat(SiblingLink.of(FILE_PAGE, "file:/home/me/output/demo-1/NB-1001.png")).contains("./NB-1001.png");
        assertThat(SiblingLink.of(S3_PAGE, "s3://images/spring/demo-1/NB-1001.png")).contains("./NB-1001.png");
    }

    @Test
    void percentEncodingIsKeptAndAColonCannotBecomeAScheme() {
        assertThat(SiblingLink.of(URI.create("file:/my%20out/b/report.html"), "file:/my%20out/b/a%20b.png"))
                .contains("./a%20b.png");
        assertThat(SiblingLink.of(FILE_PAGE, "file:/home/me/output/demo-1/javascript:x.png"))
                .contains("./javascript:x.png");
    }

    @Test
    void anythingElseIsNotLinked() {
        assertThat(SiblingLink.of(FILE_PAGE, "file:/home/me/output/demo-2/NB-1001.png")).isEmpty();
        assertThat(SiblingLink.of(FILE_PAGE, "file:/home/me/output/demo-1/sub/NB-1001.png")).isEmpty();
        assertThat(SiblingLink.of(FILE_PAGE, "s3://images/home/me/output/demo-1/NB-1001.png")).isEmpty();
        assertThat(SiblingLink.of(S3_PAGE, "s3://other/spring/demo-1/NB-1001.png")).isEmpty();
        assertThat(SiblingLink.of(FILE_PAGE, "https://evil.example/home/me/output/demo-1/x.png")).isEmpty();
        assertThat(SiblingLink.of(FILE_PAGE, "file:/home/me/output/demo-1/x.png?y=1")).isEmpty();
        assertThat(SiblingLink.of(FILE_PAGE, "file:/home/me/output/demo-1/")).isEmpty();
        assertThat(SiblingLink.of(FILE_PAGE, "not a uri")).isEmpty();
        assertThat(SiblingLink.of(FILE_PAGE, null)).isEmpty();
        assertThat(SiblingLink.of(FILE_PAGE, "javascript:alert(1)")).isEmpty();
    }
}
