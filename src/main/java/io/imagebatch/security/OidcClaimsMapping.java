package io.imagebatch.security;

import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * The console roles and team of a user signed in with OpenID Connect, from the claims of their ID token and user
 * info ({@code imagebatch.console.oidc.roles-claim}, default {@code roles}; {@code .team-claim}, default
 * {@code team}; docs/console.md, "Signing in").
 *
 * @param rolesClaim the claim with the roles: a list of names, or one string of names separated by commas or spaces;
 *                   names that are no {@link ConsoleRole} (any case) are ignored
 * @param teamClaim  the claim with the team: a string (or the first of a list)
 */
public record OidcClaimsMapping(String rolesClaim, String teamClaim) {

    /**
     * @param claims the user's claims
     * @return the console roles named there; empty when none (such a user may sign in but sees nothing)
     */
    public Set<ConsoleRole> roles(Map<String, Object> claims) {
        Set<ConsoleRole> roles = EnumSet.noneOf(ConsoleRole.class);
        for (String name : values(claims.get(rolesClaim))) {
            try {
                roles.add(ConsoleRole.valueOf(name.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException notAConsoleRole) {
                // an IdP's other roles: not ours
            }
        }
        return roles;
    }

    /**
     * @param claims the user's claims
     * @return the team, or null when the claim is missing or blank
     */
    public String team(Map<String, Object> claims) {
        List<String> teams = values(claims.get(teamClaim));
        return teams.isEmpty() ? null : teams.get(0);
    }

    /**
     * @param claims the user's claims
     * @return the authorities of {@link #roles}
     */
    public List<GrantedAuthority> authorities(Map<String, Object> claims) {
        return roles(claims).stream().map(r -> (GrantedAuthority) new SimpleGrantedAuthority(r.authority())).toList();
    }

    private static List<String> values(Object claim) {
        List<String> values = new ArrayList<>();
        if (claim instanceof Collection<?> list) {
            list.stream().filter(v -> v != null && !v.toString().isBlank()).forEach(v -> values.add(v.toString().trim()));
        } else if (claim != null) {
            for (String part : claim.toString().split("[,\\s]+")) {
                if (!part.isBlank()) {
                    values.add(part);
                }
            }
        }
        return values;
    }
}
