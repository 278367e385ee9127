/**
 * The names and tags of ImageBatch's Micrometer meters ({@link io.imagebatch.metrics.ImageBatchMetrics}); the
 * meters themselves are registered where their work happens.
 */
package io.imagebatch.metrics;
