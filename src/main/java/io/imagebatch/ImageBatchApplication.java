package io.imagebatch;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The Spring Boot application behind every subcommand. It is started by {@link io.imagebatch.cli.ImageBatchCli},
 * which parses the command line first, so usage errors are reported without starting Spring.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ImageBatchApplication {

    /**
     * Entry point of the executable jar: {@code java -jar imagebatch.jar COMMAND [OPTIONS]}.
     *
     * @param args the command line; see {@link io.imagebatch.cli.ImageBatchCli#USAGE}
     */
    public static void main(String[] args) {
        FatalErrors.install(); // an OutOfMemoryError in any thread ends the process, exit 1 (never alive and silent)
        System.exit(io.imagebatch.cli.ImageBatchCli.execute(args));
    }
}
