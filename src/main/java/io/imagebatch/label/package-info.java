/**
 * Labelling of delivered images as AI-generated (README.md, "Labelled as AI-generated"): an XMP packet
 * ({@link io.imagebatch.label.ImageLabel}) with the IPTC digital source type {@code trainedAlgorithmicMedia}, the
 * row id and, unless a job file says {@code metadata: minimal}, the prompt, the model and the creator tool, written
 * into a PNG, JPEG or WebP file without re-encoding its pixels ({@link io.imagebatch.label.ImageLabeller}).
 * Foundation level: it knows files and streams, nothing of the job, the store or the ledger.
 */
package io.imagebatch.label;
