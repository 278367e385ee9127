package io.imagebatch.catalogue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PromptTemplateTest {

    @Test
    void fillsPlaceholdersInOrder() {
        PromptTemplate template = PromptTemplate.parse("Studio photo of {Title} by {Vendor}");

        assertThat(template.placeholders()).containsExactly("Title", "Vendor");
        assertThat(template.fill(Map.of("Title", "a red chair", "Vendor", "Acme")::get))
                .isEqualTo("Studio photo of a red chair by Acme");
    }

    @Test
    void placeholderNamesAreTrimmedAndListedOnce() {
        PromptTemplate template = PromptTemplate.parse("{ Title } and {Title} again, {Vendor}");

        assertThat(template.placeholders()).containsExactly("Title", "Vendor");
        assertThat(template.fill(name -> name.toUpperCase())).isEqualTo("TITLE and TITLE again, VENDOR");
    }

    @Test
    void doubledBracesAreLiteral() {
        PromptTemplate template = PromptTemplate.parse("{{literal}} {Name} }}{{");

        assertThat(template.placeholders()).containsExactly("Name");
        assertThat(template.fill(name -> "x")).isEqualTo("{literal} x }{");
    }

    @Test
    void valuesAreInsertedLiterally() {
        PromptTemplate template = PromptTemplate.parse("A {Name}");

        assertThat(template.fill(name -> "{Other} }}")).isEqualTo("A {Other} }}");
    }

    @Test
    void templateWithoutPlaceholdersIsAllowed() {
        PromptTemplate template = PromptTemplate.parse("a plain prompt");

        assertThat(template.placeholders()).isEmpty();
        assertThat(template.fill(name -> null)).isEqualTo("a plain prompt");
        assertThat(template.text()).isEqualTo("a plain prompt");
    }

    @Test
    void rejectsUnclosedPlaceholder() {
        assertThatThrownBy(() -> PromptTemplate.parse("photo of {Title"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("{ at character 10")
                .hasMessageContaining("{{ for a literal brace");
        assertThatThrownBy(() -> PromptTemplate.parse("{a{b}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("character 1");
    }

    @Test
    void rejectsSingleClosingBrace() {
        assertThatThrownBy(() -> PromptTemplate.parse("photo } of"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("single } at character 7")
                .hasMessageContaining("}}");
    }

    @Test
    void rejectsEmptyPlaceholderAndBlankTemplate() {
        assertThatThrownBy(() -> PromptTemplate.parse("photo { }"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty placeholder at character 7");
        assertThatThrownBy(() -> PromptTemplate.parse("  "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> PromptTemplate.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fillRejectsMissingValue() {
        PromptTemplate template = PromptTemplate.parse("A {Name}");

        assertThatThrownBy(() -> template.fill(name -> null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("{Name}");
    }
}
