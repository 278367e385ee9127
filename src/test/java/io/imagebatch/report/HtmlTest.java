package io.imagebatch.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** HTML escaping. */
class HtmlTest {

    @Test
    void markupCharactersBecomeReferences() {
        assertThat(Html.escape("<script>alert('x') & \"y\"</script>"))
                .isEqualTo("&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
    }

    @Test
    void textAndNonAsciiPassUnchanged() {
        assertThat(Html.escape("Café 北京 \uD83D\uDE00 line\nbreak\ttab")).isEqualTo("Café 北京 \uD83D\uDE00 line\nbreak\ttab");
        assertThat(Html.escape(null)).isEmpty();
    }

    @Test
    void controlCharactersAndLoneSurrogatesBecomeReplacementCharacters() {
        assertThat(Html.escape("a\u0000b\u0007c\u007fd\u0085e\uD800f")).isEqualTo("a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf");
    }
}
