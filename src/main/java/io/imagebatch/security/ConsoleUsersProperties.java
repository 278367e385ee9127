package io.imagebatch.security;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may sign in to the console and its API, and how ({@code imagebatch.console.*}; docs/console.md, "Who may do
 * what"). The upload settings under the same prefix are {@code io.imagebatch.console.ConsoleProperties}.
 *
 * @param users          the users from configuration, {@code imagebatch.console.users[i].*}; none by default
 * @param demoUser       {@code imagebatch.console.demo-user=true}: also user {@code demo}, password {@code demo},
 *                       SUBMITTER and ADMIN of team {@code demo}, announced by a WARN line; for the sandbox demo and
 *                       tests only, never on by default
 * @param sessionTimeout how long a signed-in page session lasts without a request; default 30 minutes
 * @param oidc           OpenID Connect sign-in, when {@link Oidc#issuerUri()} is set
 */
@ConfigurationProperties("imagebatch.console")
public record ConsoleUsersProperties(List<User> users, @DefaultValue("false") boolean demoUser,
        @DefaultValue("30m") Duration sessionTimeout, Oidc oidc) {

    /**
     * @param users          see {@link #users()}; null becomes none
     * @param demoUser       see {@link #demoUser()}
     * @param sessionTimeout see {@link #sessionTimeout()}
     * @param oidc           see {@link #oidc()}; null becomes none
     */
    public ConsoleUsersProperties {
        users = users == null ? List.of() : List.copyOf(users);
        oidc = oidc == null ? new Oidc(null, null, null, "roles", "team") : oidc;
    }

    /**
     * One user from configuration.
     *
     * @param name         the name they sign in with
     * @param passwordHash their password's bcrypt hash ({@code $2a$}, {@code $2b$} or {@code $2y$}, 60 characters;
     *                     for example from {@code htpasswd -bnBC 10 "" PASSWORD | tr -d ':\n'}); never the password
     * @param roles        their roles: VIEWER, SUBMITTER, ADMIN ({@link ConsoleRole}); a higher role includes the
     *                     lower ones
     * @param team         their team, or null for none (then they see only the batches of everyone)
     */
    public record User(String name, String passwordHash, List<String> roles, String team) {

        /** Hides the hash: a user printed in a log or a failure message never shows it. */
        @Override
        public String toString() {
            return "User[name=" + name + ", roles=" + roles + ", team=" + team + "]";
        }
    }

    /**
     * OpenID Connect sign-in ({@code imagebatch.console.oidc.*}).
     *
     * @param issuerUri    the issuer, whose discovery document is read at start; null for no OIDC
     * @param clientId     the console's client id at the issuer
     * @param clientSecret its client secret (never logged)
     * @param rolesClaim   the ID token or user-info claim holding the user's console roles; default {@code roles}
     * @param teamClaim    the claim holding the user's team; default {@code team}
     */
    public record Oidc(String issuerUri, String clientId, String clientSecret, @DefaultValue("roles") String rolesClaim,
            @DefaultValue("team") String teamClaim) {

        /** Hides the client secret. */
        @Override
        public String toString() {
            return "Oidc[issuerUri=" + issuerUri + ", clientId=" + clientId + "]";
        }
    }
}
