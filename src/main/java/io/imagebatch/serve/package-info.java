/**
 * The {@code serve} command: the job files of a folder run on their cron schedules ({@link
 * io.imagebatch.serve.JobScheduler}), one run of a job at a time across every process on the database, the
 * previous unfinished batch of a job resumed before a new one, and the health of the job files' output stores
 * ({@link io.imagebatch.serve.OutputStoreHealthIndicator}).
 */
package io.imagebatch.serve;
