package io.imagebatch.security;

import java.util.Collection;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.userdetails.User;

/**
 * A console user from configuration: Spring Security's {@link User} with the user's team (docs/console.md, "Who
 * may do what").
 */
public class ConsoleUser extends User {

    private final String team;

    /**
     * @param name        the name they sign in with
     * @param passwordHash their bcrypt hash
     * @param authorities their roles' authorities ({@link ConsoleRole#authority()})
     * @param team        their team, or null
     */
    public ConsoleUser(String name, String passwordHash, Collection<? extends GrantedAuthority> authorities,
            String team) {
        super(name, passwordHash, authorities);
        this.team = team;
    }

    /** @return the user's team, or null for none */
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
