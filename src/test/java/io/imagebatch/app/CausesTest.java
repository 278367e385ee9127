package io.imagebatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The message a user is shown for an exception: the innermost cause's, or the first of ours. */
class CausesTest {

    /** An exception of ours ({@code io.imagebatch.*}) with a cause. */
    static final class Ours extends RuntimeException {
        Ours(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Test
    void rootMessageIsTheInnermostCausesMessageOrItsNameWithoutOne() {
        Exception e = new IllegalStateException("outer", new RuntimeException("middle", new IOException("disk full")));
        assertThat(Causes.rootMessage(e)).isEqualTo("disk full");
        assertThat(Causes.rootMessage(new IllegalStateException("outer", new NullPointerException())))
                .isEqualTo("java.lang.NullPointerException");
        assertThat(Causes.rootMessage(new IllegalStateException("alone"))).isEqualTo("alone");
    }

    @Test
    void ownMessagePrefersTheFirstOfOursInTheChainElseTheInnermost() {
        Exception ours = new RuntimeException("Encountered an error executing step",
                new Ours("row 3: no prompt", new IOException("x")));
        assertThat(Causes.ownMessage(ours)).isEqualTo("row 3: no prompt");
        assertThat(Causes.ownMessage(new RuntimeException("wrapper", new IOException("reset"))))
                .isEqualTo("reset");
    }
}
