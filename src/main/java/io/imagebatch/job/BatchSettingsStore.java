package io.imagebatch.job;

import io.imagebatch.ledger.BatchRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Batch settings by batch id, kept in {@code IB_BATCH} so that every step, and every later run of the same
 * batch, reads the settings the batch started with. The job parameters carry only the batch id.
 */
@Component
public class BatchSettingsStore {

    private final BatchRegistry ledger;
    private final Map<String, BatchSettings> cache = new ConcurrentHashMap<>();

    /** @param ledger the batch registry, where the settings are kept */
    public BatchSettingsStore(BatchRegistry ledger) {
        this.ledger = ledger;
    }

    /**
     * Records a batch's settings unless the batch is known already.
     *
     * @param settings the settings
     * @return the batch id
     */
    public String save(BatchSettings settings) {
        String batchId = settings.batchId();
        ledger.recordBatch(batchId, settings.toJson());
        return batchId;
    }

    /**
     * Makes this process's steps read a batch's catalogue from {@code path}: a resume given the same content at
     * another path reads the file whose hash was just checked, never the path stored by the first run (which may
     * hold another file by now). The stored settings are otherwise kept as the batch started with them.
     *
     * @param batchId a batch already {@link #save saved}
     * @param path    the absolute path of a file whose SHA-256 was just found to be the batch's
     * @return the settings the steps of this process will read
     * @throws IllegalArgumentException when no such batch was ever started
     */
    public BatchSettings readCatalogueFrom(String batchId, String path) {
        BatchSettings stored = ledger.batchSettings(batchId).map(BatchSettings::fromJson)
                .orElseThrow(() -> new IllegalArgumentException("no batch " + batchId + " in this database"));
        BatchSettings current = stored.withCatalogue(path);
        cache.put(batchId, current);
        return current;
    }

    /**
     * @param batchId a batch id
     * @return its settings
     * @throws IllegalArgumentException when no such batch was ever started
     */
    public BatchSettings get(String batchId) {
        return cache.computeIfAbsent(batchId, id -> ledger.batchSettings(id).map(BatchSettings::fromJson)
                .orElseThrow(() -> new IllegalArgumentException("no batch " + id + " in this database")));
    }
}
