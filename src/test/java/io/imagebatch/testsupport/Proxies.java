package io.imagebatch.testsupport;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * The forwarding call of a test's {@link java.lang.reflect.Proxy} around a JDBC object (a connection or statement
 * that counts commits, records SQL or holds a commit): the proxied object's own exception reaches the code under
 * test as that object threw it, not wrapped in an {@link InvocationTargetException}.
 */
public final class Proxies {

    private Proxies() {
    }

    /**
     * Calls {@code method} on {@code target}.
     *
     * @param target the proxied object
     * @param method the method the proxy was called with
     * @param args   its arguments, or null when it has none
     * @return what the method returned
     * @throws Throwable what the method threw, unwrapped; {@link IllegalAccessException} when it cannot be called
     */
    public static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
