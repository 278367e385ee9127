package io.imagebatch.sandbox;

/** A request that breaks a documented rule; its message is the error text the protocol answers with. */
final class BadRequestException extends Exception {

    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, for example {@code input.prompt is required} */
    BadRequestException(String message) {
        super(message, null, false, false); // control flow, no stack trace needed
    }
}
