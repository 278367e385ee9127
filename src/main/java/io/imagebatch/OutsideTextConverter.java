package io.imagebatch;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * The log message ({@code %m}, {@code %msg}, {@code %message} in a Logback pattern) with its control characters
 * escaped ({@link OutsideText#escape(String)}): one event is one line, whatever outside text its arguments hold.
 * Registered for those conversion words in {@code logback-spring.xml}, so Spring Boot's default patterns and
 * {@code logging.pattern.console} keep working. Exceptions ({@code %wEx}) are printed as before.
 */
public class OutsideTextConverter extends MessageConverter {

    /**
     * @param event a logging event
     * @return its formatted message, escaped
     */
    @Override
    public String convert(ILoggingEvent event) {
        return OutsideText.escape(super.convert(event));
    }
}
