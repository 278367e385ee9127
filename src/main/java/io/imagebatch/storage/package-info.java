/**
 * The output store and the download step's worker.
 *
 * <p>{@link io.imagebatch.storage.OutputLocation} parses a destination URI ({@code s3://bucket/prefix} or
 * {@code file:path}); {@link io.imagebatch.storage.OutputStores#open} opens an
 * {@link io.imagebatch.storage.OutputStore} on it (a local folder or an S3 bucket through the AWS SDK v2);
 * {@link io.imagebatch.storage.ImageDownloader} streams a provider's result URL into a store, checking that it
 * is an image and recording its SHA-256 and size. Rules: {@code docs/design.md}, sections "Output store"
 * and "The job" (download step).
 */
package io.imagebatch.storage;
