package io.imagebatch.app;

import java.util.List;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * The settings a command reads before Spring starts (a batch's identity depends on its catalogue, which is read
 * first): the command line's {@code --NAME.X=V} settings over system properties over environment variables, the
 * same order Spring Boot gives them (README, "Settings"), with its relaxed binding. {@code application.properties}
 * is not read here.
 */
public final class PreStartEnvironment {

    private PreStartEnvironment() {
    }

    /**
     * @param springArgs the command line's {@code --NAME.X=V} settings
     * @return an environment with them first, then system properties, then environment variables
     */
    public static StandardEnvironment of(List<String> springArgs) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(
                new SimpleCommandLinePropertySource(springArgs.toArray(String[]::new)));
        return environment;
    }

    /**
     * @param springArgs the command line's {@code --NAME.X=V} settings
     * @return a Spring Boot binder over {@link #of}
     */
    public static Binder binder(List<String> springArgs) {
        return Binder.get(of(springArgs));
    }
}
