package io.imagebatch.serve;

import io.imagebatch.app.JobFile;
import io.imagebatch.app.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The job files {@code serve} read at start: the scheduled ones, and what was wrong with the others.
 *
 * @param directory  the folder read
 * @param scheduled  the job files with a valid {@code schedule}, in file-name order, each with a job name of its
 *                   own ({@link JobFile#jobName()})
 * @param problems   one line per job file that cannot be served: it is not YAML, has a wrong key or value (a bad
 *                   cron is named by key), or repeats another file's job name; each names the file, and the line
 *                   where YAML gives one
 * @param unscheduled job files without a {@code schedule} (valid, but never run by {@code serve})
 * @param springArgs the {@code --NAME.X=V} settings of the {@code serve} command line, which a job's catalogue
 *                   settings are read with (an S3 catalogue's {@code imagebatch.s3.*}), as {@code run} reads them
 */
public record ServeJobs(Path directory, List<JobFile> scheduled, List<String> problems, List<Path> unscheduled,
        List<String> springArgs) {

    /**
     * Reads every {@code *.yml} and {@code *.yaml} file of a folder (not its sub-folders).
     *
     * @param directory  the folder
     * @param springArgs see {@link #springArgs()}
     * @return what was found
     * @throws UsageException when the folder does not exist or cannot be listed
     */
    public static ServeJobs scan(Path directory, List<String> springArgs) {
        if (!Files.isDirectory(directory)) {
            throw new UsageException("the jobs folder " + directory.toAbsolutePath().normalize()
                    + " does not exist; give --jobs DIR");
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(directory)) {
            files = list.filter(p -> {
                String name = p.getFileName().toString();
                return (name.endsWith(".yml") || name.endsWith(".yaml")) && !Files.isDirectory(p);
            }).sorted().toList();
        } catch (IOException e) {
            throw new UsageException("the jobs folder " + directory + " cannot be read: " + e.getMessage());
        }
        List<JobFile> scheduled = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<Path> unscheduled = new ArrayList<>();
        Map<String, Path> names = new HashMap<>();
        for (Path file : files) {
            JobFile job;
            try {
                job = JobFile.load(file);
            } catch (UsageException e) {
                problems.add(e.getMessage());
                continue;
            }
            if (job.schedule() == null) {
                unscheduled.add(file);
                continue;
            }
            Path other = names.putIfAbsent(job.jobName(), file);
            if (other != null) {
                problems.add("job file " + file + ": its job name \"" + job.jobName() + "\" is also that of " + other
                        + "; give each file a name of its own (name: ...)");
                continue;
            }
            scheduled.add(job);
        }
        return new ServeJobs(directory, List.copyOf(scheduled), List.copyOf(problems), List.copyOf(unscheduled),
                List.copyOf(springArgs));
    }

    /**
     * Drops job files from the schedule, with the reason as a problem.
     *
     * @param drop   the files to drop
     * @param reason why, appended to "job file F: "
     * @return the remaining jobs
     */
    public ServeJobs without(List<JobFile> drop, String reason) {
        List<String> more = new ArrayList<>(problems);
        drop.forEach(job -> more.add("job file " + job.path() + ": " + reason));
        return new ServeJobs(directory, scheduled.stream().filter(j -> !drop.contains(j)).toList(), List.copyOf(more),
                unscheduled, springArgs);
    }
}
