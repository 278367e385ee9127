package io.imagebatch.ledger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The local journal of taskIds the ledger could not record: a create call returned a taskId (a task that is paid
 * for) while the database was down. The submit step's writer appends the taskId here, flushed to disk
 * ({@link FileChannel#force}), before it stops the job; the next start replays every line into the ledger
 * ({@link LedgerReconciliation#recordJournalledTaskId}) before anything else runs, then empties the file
 * (README, "Exactly once").
 *
 * <p>The file is {@value #FILE_NAME} in {@code imagebatch.journal.dir}; by default the folder of the H2 database
 * ({@code spring.datasource.url=jdbc:h2:file:./data/imagebatch} gives {@code ./data}), else {@code ./data}. One
 * line per taskId, a JSON object
 * {@code {"batchId","rowNum","taskId","submittedAt","nextCheckAt","deadlineAt","variant"}}
 * (times in epoch ms), UTF-8. It never holds a secret. Appends and replays take a file lock, so processes sharing
 * the folder do not interleave. Thread-safe.
 */
@Component
public class TaskIdJournal implements InitializingBean {

    /** The journal's file name in its folder. */
    public static final String FILE_NAME = "taskid-journal.jsonl";

    private static final Logger log = LoggerFactory.getLogger(TaskIdJournal.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path file;
    private final TaskLedger ledger;

    /**
     * One taskId the ledger could not record.
     *
     * @param batchId     the batch
     * @param rowNum      1-based row number
     * @param taskId      the provider's taskId
     * @param submittedAt epoch ms when the create call returned
     * @param nextCheckAt epoch ms of the first status query
     * @param deadlineAt  epoch ms after which the task is given up
     * @param variant     the row's variant, 1 to 8 (README.md, Variants); a line written before variants has none
     *                    and reads as 1
     */
    public record Entry(String batchId, long rowNum, String taskId, long submittedAt, long nextCheckAt,
            long deadlineAt, Integer variant) {

        /** A line without a variant is variant 1's. */
        public Entry {
            variant = variant == null ? 1 : variant;
        }

        /**
         * An entry of variant 1 (a row without variants); the fields as in the record description.
         */
        public Entry(String batchId, long rowNum, String taskId, long submittedAt, long nextCheckAt,
                long deadlineAt) {
            this(batchId, rowNum, taskId, submittedAt, nextCheckAt, deadlineAt, 1);
        }
    }

    /**
     * The application's journal.
     *
     * @param folder        {@code imagebatch.journal.dir}; blank for the default (see the class comment)
     * @param datasourceUrl {@code spring.datasource.url}, to find the H2 database's folder
     * @param ledger        where lines are replayed
     */
    @Autowired
    public TaskIdJournal(@Value("${imagebatch.journal.dir:}") String folder,
            @Value("${spring.datasource.url:}") String datasourceUrl, TaskLedger ledger) {
        this(folder != null && !folder.isBlank() ? Path.of(folder.trim()) : defaultFolder(datasourceUrl), ledger);
    }

    /**
     * @param folder where the journal file is (made when the first line is written)
     * @param ledger where lines are replayed
     */
    public TaskIdJournal(Path folder, TaskLedger ledger) {
        this.file = folder.toAbsolutePath().normalize().resolve(FILE_NAME);
        this.ledger = ledger;
    }

    /**
     * The folder of an H2 file database ({@code jdbc:h2:file:PATH;...} or {@code jdbc:h2:PATH}), else
     * {@code ./data}.
     *
     * @param datasourceUrl a JDBC URL, or null
     * @return the folder
     */
    public static Path defaultFolder(String datasourceUrl) {
        String url = datasourceUrl == null ? "" : datasourceUrl.trim();
        String rest = url.startsWith("jdbc:h2:file:") ? url.substring("jdbc:h2:file:".length())
                : url.startsWith("jdbc:h2:") && !url.startsWith("jdbc:h2:mem:") && !url.startsWith("jdbc:h2:tcp:")
                        && !url.startsWith("jdbc:h2:ssl:") ? url.substring("jdbc:h2:".length()) : null;
        if (rest != null) {
            int semicolon = rest.indexOf(';');
            Path database = Path.of(semicolon < 0 ? rest : rest.substring(0, semicolon));
            Path parent = database.toAbsolutePath().getParent();
            if (parent != null) {
                return parent;
            }
        }
        return Path.of("data");
    }

    /** @return the journal file (it may not exist) */
    public Path file() {
        return file;
    }

    /** Replays the journal at start, before any command runs. */
    @Override
    public void afterPropertiesSet() {
        replay();
    }

    /**
     * Appends one line and forces it to disk before returning.
     *
     * @param entry the taskId and its row
     * @throws UncheckedIOException when the folder or the file cannot be written
     */
    public synchronized void append(Entry entry) {
        byte[] line = (JSON.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND); FileLock lock = channel.lock()) {
                ByteBuffer buffer = ByteBuffer.wrap(line);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the taskId journal " + file, e);
        }
    }

    /** @return the lines now in the journal, in order; a line that is not a whole entry is left out */
    public synchronized List<Entry> entries() {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the taskId journal " + file, e);
        }
    }

    /**
     * Records every journalled taskId in the ledger, then empties the journal. A line whose row already holds a
     * taskId (recorded meanwhile) is logged and dropped.
     *
     * @return the taskIds recorded now
     * @throws UncheckedIOException when the journal cannot be read or emptied
     * @throws org.springframework.dao.DataAccessException when the ledger cannot be written: the journal is then
     *                                                     kept whole, for the next start
     */
    public synchronized int replay() {
        if (!Files.isRegularFile(file)) {
            return 0;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock lock = channel.lock()) {
            ByteBuffer content = ByteBuffer.allocate((int) channel.size());
            while (content.hasRemaining() && channel.read(content) >= 0) {
                // read it all
            }
            List<Entry> entries = parse(new String(content.array(), 0, content.position(), StandardCharsets.UTF_8)
                    .lines().toList());
            int recorded = 0;
            for (Entry e : entries) {
                if (ledger.reconciliation().recordJournalledTaskId(e.batchId(), e.rowNum(), e.variant(), e.taskId(),
                        e.submittedAt(),
                        e.nextCheckAt(), e.deadlineAt())) {
                    recorded++;
                    log.info("{}: row {}: task {} recorded from the journal {}", e.batchId(), e.rowNum(), e.taskId(),
                            file);
                } else {
                    log.warn("{}: row {}: task {} from the journal {} not recorded: the row is not waiting for a"
                            + " taskId (state {})", e.batchId(), e.rowNum(), e.taskId(), file,
                            ledger.find(e.batchId(), e.rowNum(), e.variant()).map(entry -> entry.state().name())
                                    .orElse("none"));
                }
            }
            channel.truncate(0);
            channel.force(true);
            return recorded;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot replay the taskId journal " + file, e);
        }
    }

    private List<Entry> parse(List<String> lines) {
        List<Entry> entries = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            try {
                entries.add(JSON.readValue(line, Entry.class));
            } catch (JacksonException e) {
                // a line cut short by a crash during its own append: its writer had not returned yet
                log.warn("taskId journal {}: a line that is not a whole entry is skipped: {}", file, line);
            }
        }
        return entries;
    }
}
