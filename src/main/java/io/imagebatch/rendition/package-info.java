/**
 * Renditions: copies of a stored image cut to the sizes of the channels it is delivered to (a shop's product
 * image, a marketplace's main image, a social story), each in its own format. {@link io.imagebatch.rendition.Rendition}
 * is one as written in a job file's {@code renditions:} list (README.md, "Renditions");
 * {@link io.imagebatch.rendition.Renditions} makes them from a stored image with Thumbnailator and writes them
 * to the output store as {@code <batch id>/<rendition name>/<row id>.<ext>}. Foundation level: it knows the
 * output store and nothing of the job.
 */
package io.imagebatch.rendition;
