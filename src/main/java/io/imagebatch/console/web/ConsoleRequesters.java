package io.imagebatch.console.web;

import io.imagebatch.console.Requester;
import io.imagebatch.security.ConsoleRole;
import java.util.EnumSet;
import java.util.Set;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.stereotype.Component;

/**
 * The {@link Requester} of a signed-in user, for the pages: name, roles from the {@code ROLE_*} authorities
 * ({@link ConsoleRole#authority()}) and team from a {@code TEAM_*} authority (docs/console.md, "Who may do what").
 */
@Component
public class ConsoleRequesters {

    /** The prefix of the authority that names a user's team. */
    public static final String TEAM_PREFIX = "TEAM_";

    /**
     * @param auth the signed-in user, or null when nobody is signed in (the security chain keeps them out of the
     *             pages; here they are a VIEWER of no team)
     * @return the requester: an unauthenticated call sees only batches of everyone and may do nothing
     */
    public Requester of(Authentication auth) {
        if (auth == null) {
            return new Requester("anonymous", null, Set.of(ConsoleRole.VIEWER));
        }
        Set<ConsoleRole> roles = EnumSet.noneOf(ConsoleRole.class);
        String team = null;
        for (GrantedAuthority granted : auth.getAuthorities()) {
            String authority = granted.getAuthority();
            for (ConsoleRole role : ConsoleRole.values()) {
                if (role.authority().equals(authority)) {
                    roles.add(role);
                }
            }
            if (authority != null && authority.startsWith(TEAM_PREFIX)) {
                team = authority.substring(TEAM_PREFIX.length());
            }
        }
        return new Requester(auth.getName(), team, Set.copyOf(roles));
    }
}
