package io.imagebatch.callback;

import io.imagebatch.Signal;
import org.springframework.stereotype.Component;

/**
 * Wakes the poll step when a callback has made a task due, so that the status query follows the callback at
 * once instead of at the end of the poll step's idle wait.
 */
@Component
public class CallbackSignal extends Signal {
}
