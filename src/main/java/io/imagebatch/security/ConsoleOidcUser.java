package io.imagebatch.security;

import java.util.Collection;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.oidc.OidcIdToken;
import org.springframework.security.oauth2.core.oidc.OidcUserInfo;
import org.springframework.security.oauth2.core.oidc.user.DefaultOidcUser;

/** A user signed in with OpenID Connect, with the console roles and team their claims give ({@link OidcClaimsMapping}). */
public class ConsoleOidcUser extends DefaultOidcUser {

    private final String team;

    /**
     * @param authorities the console roles' authorities
     * @param idToken     the ID token
     * @param userInfo    the user info, or null
     * @param team        the team, or null
     */
    public ConsoleOidcUser(Collection<? extends GrantedAuthority> authorities, OidcIdToken idToken,
            OidcUserInfo userInfo, String team) {
        super(authorities, idToken, userInfo);
        this.team = team;
    }

    /** @return the user's team, or null */
    public String team() {
        return team;
    }

    @Override
    public boolean equals(Object other) {
        return super.equals(other);
    }

    @Override
    public int hashCode() {
        return super.hashCode();
    }
}
