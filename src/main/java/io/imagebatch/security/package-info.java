/**
 * Who may use the console and its API, and how they sign in (docs/console.md, "Who may do what"): users from
 * configuration with bcrypt password hashes, OpenID Connect, HTTP Basic on {@code /api/**}, the form login with
 * CSRF protection on the pages, and the open paths (health probes, the providers' callback endpoint).
 */
package io.imagebatch.security;
