package io.imagebatch.console.web;

import io.imagebatch.console.Requester;
import io.imagebatch.security.ConsoleOidcUser;
import io.imagebatch.security.ConsoleRole;
import io.imagebatch.security.ConsoleUser;
import java.util.EnumSet;
import java.util.Set;
import org.springframework.security.authentication.InsufficientAuthenticationException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

/**
 * The console's {@link Requester} of a signed-in user (docs/console.md, "Who may do what"), for the API and the
 * pages' controllers.
 */
public final class ConsoleRequesters {

    private ConsoleRequesters() {
    }

    /**
     * @param authentication the signed-in user: a configured user ({@link ConsoleUser}) or an OIDC one
     *                       ({@link ConsoleOidcUser})
     * @return their name, team and roles
     * @throws InsufficientAuthenticationException when nobody is signed in
     */
    public static Requester of(Authentication authentication) {
        if (authentication == null || !authentication.isAuthenticated()) {
            throw new InsufficientAuthenticationException("sign in first");
        }
        Set<ConsoleRole> roles = EnumSet.noneOf(ConsoleRole.class);
        for (GrantedAuthority authority : authentication.getAuthorities()) {
            for (ConsoleRole role : ConsoleRole.values()) {
                if (role.authority().equals(authority.getAuthority())) {
                    roles.add(role);
                }
            }
        }
        Object principal = authentication.getPrincipal();
        String team = principal instanceof ConsoleUser user ? user.team()
                : principal instanceof ConsoleOidcUser oidc ? oidc.team() : null;
        return new Requester(authentication.getName(), team, Set.copyOf(roles));
    }
}
