package io.imagebatch.job;

/**
 * The names of {@code imageProductionJob}'s steps, in the order a row goes through them (docs/design.md, "The
 * job"): {@link #SUBMIT} reads the catalogue and creates the tasks, {@link #POLL} follows them to a terminal state,
 * {@link #DOWNLOAD} stores their images, {@link #REPORT} writes the report. The first three run at the same time
 * (a split); each downstream step ends once its upstream one has ({@link PipelineState}). These are the step names
 * in the job repository, read by {@link ImageProductionJobConfiguration}, which declares the pipeline, and by
 * {@link PipelineState}; they never change, so that a batch started by an older version resumes.
 */
public final class PipelineSteps {

    /** The submit step: catalogue, then {@link RowProcessor}, then {@link TaskSubmitWriter}. */
    public static final String SUBMIT = "submit";
    /** The poll step: the ledger's in-flight rows, then {@link TaskPoller}; downstream of {@link #SUBMIT}. */
    public static final String POLL = "poll";
    /** The download step: the ledger's succeeded rows, then {@link ResultDownloader}; downstream of {@link #POLL}. */
    public static final String DOWNLOAD = "download";
    /** The report step: {@link ReportTasklet}, once the other three completed. */
    public static final String REPORT = "report";
    /**
     * The manager step of a partitioned batch ({@code --partitions N}): splits the catalogue into row ranges and
     * has each run as a {@link #PARTITION} step, on local threads or on workers ({@link PartitionHandlers}).
     */
    public static final String PARTITIONS = "partitions";
    /**
     * The worker step of a partitioned batch: submit, poll and download of one partition's row range; one step
     * execution per partition, named {@code partition:partitionN} by Spring Batch's splitter.
     */
    public static final String PARTITION = "partition";

    private PipelineSteps() {
    }
}
