package io.imagebatch.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * The training run of the class-data sharing archive the Maven build records in {@code package} (README.md,
 * Performance; {@code pom.xml}, execution {@code cds-archive}): runs several commands one after the other in one
 * JVM, so that the one archive that JVM leaves at its exit ({@code -XX:ArchiveClassesAtExit}) holds the classes of
 * every one of them, the commands that answer at once ({@code validate}, {@code status}) above all. Not a command
 * of the jar: the build starts it by its class name.
 */
public final class CdsTraining {

    /** The argument that separates two commands. */
    public static final String THEN = "--then";

    private CdsTraining() {
    }

    /**
     * Runs each command as {@link ImageBatchCli#execute(String[])} would, printing to standard output, whatever the
     * exit code of each (a failed training run still leaves an archive: it only makes start-up slower, never a
     * command wrong), then ends the JVM with exit code 0, which writes the archive (also when a command left a
     * thread behind).
     *
     * @param args the commands, each as its own arguments, separated by {@value #THEN}; e.g.
     *             {@code validate jobs/demo.yml --then status}
     */
    public static void main(String[] args) {
        for (List<String> command : commands(args)) {
            int exit;
            try {
                exit = ImageBatchCli.execute(command.toArray(String[]::new));
            } catch (RuntimeException e) {
                exit = -1;
                System.out.println("training command failed: " + e);
            }
            System.out.println("training: " + String.join(" ", command.subList(0, 1)) + " exited " + exit);
        }
        System.out.flush();
        System.exit(0);
    }

    /**
     * @param args commands separated by {@value #THEN}
     * @return each command's arguments, in order; empty commands left out
     */
    static List<List<String>> commands(String[] args) {
        List<List<String>> commands = new ArrayList<>();
        List<String> current = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals(THEN)) {
                if (!current.isEmpty()) {
                    commands.add(current);
                }
                current = new ArrayList<>();
            } else {
                current.add(arg);
            }
        }
        if (!current.isEmpty()) {
            commands.add(current);
        }
        return commands;
    }
}
