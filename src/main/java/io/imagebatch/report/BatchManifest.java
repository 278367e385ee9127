package io.imagebatch.report;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code manifest.json}: a batch's facts and outcome in one small JSON object, written next to {@code report.csv}
 * and posted to the notification webhook ({@link WebhookNotifier}). It holds no secret.
 *
 * <p>Shape (fields in this order; times ISO-8601 in UTC):
 * <pre>{@code
 * {"batchId":"demo-3f9a0c12be47","status":"COMPLETED","catalogue":"/abs/catalogue.csv","catalogueSha256":"...",
 *  "provider":"liangxin","model":"nano-banana-pro-flash","output":"file:/abs/output",
 *  "startTime":"2025-05-01T09:00:00.123Z","endTime":"2025-05-01T09:00:15.456Z",
 *  "counts":{"SUCCEEDED":39,"REJECTED":5,"FAILED":1,"UNCERTAIN":0},"rows":45,"bytesStored":1234567,
 *  "credits":null,"sandbox":false,"estimated":{"amount":1.80,"currency":"USD","complete":true},
 *  "observed":null,"spend":{"currency":"USD","budget":0.50,"committed":0.48,"refunded":0.00},
 *  "proof":{"state":"AWAITING_APPROVAL","contactSheet":"file:/abs/output/demo-3f9a0c12be47/report.html"}}
 * }</pre>
 *
 * @param batchId         the batch id
 * @param status          the job's status: {@code COMPLETED} in the manifest the report step writes (it is the
 *                        job's last step); {@code FAILED}, {@code STOPPED}, ... in one sent for a run that ended
 *                        otherwise
 * @param catalogue       the catalogue file's absolute path
 * @param catalogueSha256 lower-case hex SHA-256 of the catalogue
 * @param provider        the batch's provider
 * @param model           the batch's model (the provider's default when the batch names none), or null
 * @param output          the output location URI
 * @param startTime       when the batch's job instance first started, or null when unknown
 * @param endTime         when the report was written, or when the failed or stopped run ended
 * @param counts          rows per report status, with all five statuses as keys in the order SUCCEEDED, REJECTED,
 *                        FAILED, UNCERTAIN, HELD; rows not finished (a failed run) are in none of them
 * @param rows            the catalogue's data row count
 * @param bytesStored     the sum of the stored images' sizes, in bytes (the sum of report.csv's {@code bytes})
 * @param credits         credits left on the provider account after the batch, in the provider's unit, where the
 *                        provider reports them (crun.ai's balance); null otherwise
 * @param sandbox         true for a batch run against the built-in sandbox provider: its images are placeholders,
 *                        not a real provider's (README, "Running a batch")
 * @param estimated       the batch's spend estimate at its last preflight (README.md, Spend), or null when none was
 *                        recorded (a batch preflighted by an older version)
 * @param observed        the provider's balance before the batch's first create minus its balance now, in the
 *                        provider's credits whatever the price table's currency, where the provider reports a
 *                        balance (crun.ai); null otherwise (README.md, Spend)
 * @param spend           the batch's spend (docs/design.md, Spend), or null when it has no budget and no priced row
 * @param proof           the batch's proof run (README.md, Spend, "The proof run"), or null when it has none
 * @param variants        the batch's variants (README.md, Variants), or null (and absent from the JSON) for a batch
 *                        without them; {@code counts} then count ledger entries, one per variant
 */
public record BatchManifest(String batchId, String status, String catalogue, String catalogueSha256,
        String provider, String model, String output, Instant startTime, Instant endTime, Map<String, Long> counts,
        long rows, long bytesStored, Double credits, boolean sandbox, Estimated estimated,
        java.math.BigDecimal observed, Spend spend, Proof proof,
        @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
        Variants variants) {

    /**
     * A manifest without variants; the fields as in the record description.
     */
    public BatchManifest(String batchId, String status, String catalogue, String catalogueSha256,
            String provider, String model, String output, Instant startTime, Instant endTime,
            Map<String, Long> counts, long rows, long bytesStored, Double credits, boolean sandbox,
            Estimated estimated, java.math.BigDecimal observed, Spend spend, Proof proof) {
        this(batchId, status, catalogue, catalogueSha256, provider, model, output, startTime, endTime, counts, rows,
                bytesStored, credits, sandbox, estimated, observed, spend, proof, null);
    }

    /**
     * A batch's variants in the manifest (README.md, Variants).
     *
     * @param perRow  the batch's number of variants per row ({@code variants:}, {@code --variants}); a row's
     *                {@code variants} cell may differ
     * @param entries the ledger entries of the batch, one per variant of each row (rejected rows: one)
     * @param chosen  the variants {@code choose} picked, in row order; empty when none was chosen
     */
    public record Variants(int perRow, long entries, java.util.List<Chosen> chosen) {

        /** Copies {@code chosen}; null reads as none. */
        public Variants {
            chosen = chosen == null ? java.util.List.of() : java.util.List.copyOf(chosen);
        }
    }

    /**
     * One row's chosen variant.
     *
     * @param rowNumber the row's number (report.csv's {@code row_number})
     * @param rowId     the row id
     * @param variant   the chosen variant, 1 to 8
     * @param uri       where the chosen image was copied: {@code <row id>.<ext>} beside the variants
     */
    public record Chosen(long rowNumber, String rowId, int variant, String uri) {
    }

    /**
     * @param variants the batch's variants, or null for a batch without them
     * @return this manifest with those variants
     */
    public BatchManifest withVariants(Variants variants) {
        return new BatchManifest(batchId, status, catalogue, catalogueSha256, provider, model, output, startTime,
                endTime, counts, rows, bytesStored, credits, sandbox, estimated, observed, spend, proof, variants);
    }

    /**
     * A batch's spend in the manifest (docs/design.md, Spend).
     *
     * @param currency  {@code imagebatch.spend.currency}
     * @param budget    the batch budget in force, or null without one
     * @param committed what the batch's creates hold reserved (sent, in flight, UNCERTAIN, failed and charged)
     * @param refunded  what failed generations that the provider does not charge gave back
     */
    public record Spend(String currency, BigDecimal budget, BigDecimal committed, BigDecimal refunded) {
    }

    /**
     * A batch's proof run in the manifest (README.md, Spend, "The proof run").
     *
     * @param state        {@code AWAITING_APPROVAL}, {@code APPROVED} or {@code REJECTED}
     * @param contactSheet the contact sheet's URI, to look at before approving; null in the manifest of a run
     *                     that did not complete
     */
    public record Proof(String state, String contactSheet) {
    }

    /**
     * @param proof the batch's proof run, or null
     * @return this manifest with that proof run
     */
    public BatchManifest withProof(Proof proof) {
        return new BatchManifest(batchId, status, catalogue, catalogueSha256, provider, model, output, startTime,
                endTime, counts, rows, bytesStored, credits, sandbox, estimated, observed, spend, proof, variants);
    }

    /**
     * @param spend the batch's spend, or null
     * @return this manifest with that spend
     */
    public BatchManifest withSpend(Spend spend) {
        return new BatchManifest(batchId, status, catalogue, catalogueSha256, provider, model, output, startTime,
                endTime, counts, rows, bytesStored, credits, sandbox, estimated, observed, spend, proof, variants);
    }

    /**
     * The spend estimate of the batch (README.md, Spend): every valid row times its price, at the last preflight.
     *
     * @param amount   the total over the rows that have a price, in {@code currency}
     * @param currency the price table's currency, e.g. {@code USD} or {@code credits}
     * @param complete false when some valid rows had no configured price (the real total is then higher)
     */
    public record Estimated(java.math.BigDecimal amount, String currency, boolean complete) {
    }

    /** The manifest's file name, next to {@code report.csv}. */
    public static final String FILE_NAME = "manifest.json";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * @throws NullPointerException when the batch id, status or counts are null
     */
    public BatchManifest {
        Objects.requireNonNull(batchId, "batchId");
        Objects.requireNonNull(status, "status");
        counts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(counts));
    }

    /**
     * Builds a manifest from a batch's facts and tally.
     *
     * @param facts     the batch's settings
     * @param tally     its rows counted
     * @param status    the job's status, for example {@code COMPLETED}
     * @param startTime when the batch started, or null; kept to the millisecond
     * @param endTime   when it ended (or the report was written), or null; kept to the millisecond
     * @param credits   credits left, or null
     * @return the manifest
     */
    public static BatchManifest of(BatchFacts facts, BatchTally tally, String status, Instant startTime,
            Instant endTime, Double credits) {
        Map<String, Long> counts = new LinkedHashMap<>();
        tally.counts().forEach((s, n) -> counts.put(s.name(), n));
        return new BatchManifest(facts.batchId(), status, facts.catalogue(), facts.catalogueSha256(),
                facts.provider(), facts.model(), facts.output(), millis(startTime), millis(endTime), counts,
                tally.rows(), tally.bytesStored(), credits, facts.sandbox(), null, null, null, null);
    }

    /**
     * @param estimate the batch's spend estimate, or null for none
     * @return this manifest with that estimate
     */
    public BatchManifest withEstimated(Estimated estimate) {
        return new BatchManifest(batchId, status, catalogue, catalogueSha256, provider, model, output, startTime,
                endTime, counts, rows, bytesStored, credits, sandbox, estimate, observed, spend, proof, variants);
    }

    /**
     * @param credits the observed spend in the provider's credits, or null when unknown
     * @return this manifest with that observed spend
     */
    public BatchManifest withObserved(java.math.BigDecimal credits) {
        return new BatchManifest(batchId, status, catalogue, catalogueSha256, provider, model, output, startTime,
                endTime, counts, rows, bytesStored, this.credits, sandbox, estimated, credits, spend, proof, variants);
    }

    /** Milliseconds are plenty for a batch's times, and read better than the clock's nanoseconds. */
    private static Instant millis(Instant time) {
        return time == null ? null : time.truncatedTo(ChronoUnit.MILLIS);
    }

    /**
     * @param status a report status
     * @return the number of rows with that status (0 when absent)
     */
    public long count(ReportStatus status) {
        return counts.getOrDefault(status.name(), 0L);
    }

    /** @return this manifest as compact JSON, the shape in the class comment */
    public String toJson() {
        return JSON.writeValueAsString(this);
    }

    /**
     * This manifest as JSON with what a finished batch delivered (README.md, "Renditions" and "Labelled as
     * AI-generated"): the shape of {@link #toJson()} followed by
     * <pre>{@code
     *  "unlabelled":0,
     *  "renditions":[{"row":1,"rowId":"NB-1001","renditions":[{"name":"shop","uri":"file:/abs/out/b/shop/NB-1001.jpg",
     *                 "width":1000,"height":1000,"format":"jpg"}]}]
     * }</pre>
     * {@code unlabelled} always (stored images without the AI-generated label); {@code renditions} only when the
     * batch has renditions (one entry per stored row, in row order).
     *
     * @param delivered the batch's delivered files ({@link DeliveredFiles#read})
     * @return compact JSON
     */
    public String toJson(DeliveredFiles delivered) {
        tools.jackson.databind.node.ObjectNode tree = JSON.valueToTree(this);
        tree.put("unlabelled", delivered.unlabelled());
        if (!delivered.renditions().isEmpty()) {
            tree.set("renditions", JSON.valueToTree(delivered.renditions()));
        }
        return JSON.writeValueAsString(tree);
    }

    /**
     * Writes this manifest as {@link #toJson(DeliveredFiles)} does, to a writer, the rows' renditions streamed one
     * at a time as {@code rows} hands them on: memory does not grow with the catalogue (README.md, Performance, "A
     * million rows"). The same JSON, field for field, as {@code toJson(new DeliveredFiles(all rows, unlabelled))}.
     *
     * @param unlabelled stored images without the AI-generated label ({@link DeliveredFiles#unlabelled})
     * @param rows       hands each stored row's renditions, in row order, to its argument
     *                   ({@link DeliveredFiles#forEachRow}); null, or handing none, for no {@code renditions} field
     * @param out        where the JSON goes (compact, UTF-8 when the caller writes it so); flushed, not closed
     * @throws tools.jackson.core.JacksonException when {@code out} fails (Jackson's unchecked exception wraps the
     *                                             {@link java.io.IOException})
     */
    public void writeJson(long unlabelled, java.util.function.Consumer<java.util.function.Consumer<
            DeliveredFiles.RowRenditions>> rows, java.io.Writer out) {
        tools.jackson.databind.node.ObjectNode tree = JSON.valueToTree(this);
        tree.put("unlabelled", unlabelled);
        tools.jackson.core.JsonGenerator json = JSON.createGenerator(out);
        json.writeStartObject();
        for (Map.Entry<String, tools.jackson.databind.JsonNode> field : tree.properties()) {
            json.writeName(field.getKey());
            json.writeTree(field.getValue());
        }
        if (rows != null) {
            boolean[] started = {false};
            rows.accept(row -> {
                if (!started[0]) {
                    started[0] = true;
                    json.writeName("renditions");
                    json.writeStartArray();
                }
                json.writePOJO(row);
            });
            if (started[0]) {
                json.writeEndArray();
            }
        }
        json.writeEndObject();
        json.flush();
    }

    /**
     * @param json a manifest written by {@link #toJson()}
     * @return the manifest
     * @throws tools.jackson.core.JacksonException when the text is not such a manifest
     */
    public static BatchManifest fromJson(String json) {
        return JSON.readValue(json, BatchManifest.class);
    }
}
