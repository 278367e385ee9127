/**
 * The console's pages (Thymeleaf, server-rendered) and its HTTP API under {@code /api/**} (JSON, RFC 9457
 * problem details), over {@link io.imagebatch.console.ConsoleBatches} (docs/console.md).
 */
package io.imagebatch.console.web;
