/**
 * The team console's application side (docs/console.md): batches created from uploaded catalogues, checked
 * before anything is paid, started, watched, reviewed and acted on, on behalf of a signed-in user and within
 * their team. The web side (pages and {@code /api/**}) is {@code io.imagebatch.console.web}.
 */
package io.imagebatch.console;
