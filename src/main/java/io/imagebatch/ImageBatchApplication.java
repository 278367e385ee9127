package io.imagebatch;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The Spring Boot application behind every subcommand: its configuration only. It is started by
 * {@link io.imagebatch.cli.ImageBatchCli}, the executable jar's main class, which parses the command line first,
 * so usage errors are reported without starting Spring. It depends on no package of the application, so that
 * every package may name it without a package cycle (see the architecture test).
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ImageBatchApplication {
}
