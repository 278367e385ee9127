package io.imagebatch.security;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * The console's users from configuration ({@code imagebatch.console.users[i].*}, and the demo user when
 * {@code imagebatch.console.demo-user=true}; docs/console.md, "Who may do what"), checked at start: a missing
 * name, a hash that is not bcrypt or an unknown role refuses to start, naming the setting and never echoing the
 * hash.
 */
public class ConsoleUserDetailsService implements UserDetailsService {

    /** The demo user's name, password and team ({@code imagebatch.console.demo-user=true}). */
    public static final String DEMO = "demo";

    /** A bcrypt hash as Spring's {@code BCryptPasswordEncoder} reads it: {@code $2a$}, {@code $2b$} or {@code $2y$}. */
    private static final Pattern BCRYPT = Pattern.compile("\\A\\$2[aby]?\\$\\d\\d\\$[./0-9A-Za-z]{53}\\z");
    private static final Logger log = LoggerFactory.getLogger(ConsoleUserDetailsService.class);

    private final Map<String, ConsoleUser> users;

    /**
     * @param properties the users' settings
     * @param encoder    the bcrypt encoder, for the demo user's password
     * @throws IllegalStateException when a user's setting is wrong, naming it ({@code imagebatch.console.users[2]
     *                               .password-hash: not a bcrypt hash ...}); the hash itself is never in the message
     */
    public ConsoleUserDetailsService(ConsoleUsersProperties properties, PasswordEncoder encoder) {
        Map<String, ConsoleUser> byName = new LinkedHashMap<>();
        for (int i = 0; i < properties.users().size(); i++) {
            ConsoleUsersProperties.User user = properties.users().get(i);
            String setting = "imagebatch.console.users[" + i + "]";
            if (user.name() == null || user.name().isBlank()) {
                throw new IllegalStateException(setting + ".name: missing; every console user needs a name");
            }
            if (user.passwordHash() == null || !BCRYPT.matcher(user.passwordHash()).matches()) {
                throw new IllegalStateException(setting + ".password-hash: " + (user.passwordHash() == null
                        ? "missing" : "not a bcrypt hash") + " (user " + user.name() + "); give the bcrypt hash of"
                        + " the password ($2a$, $2b$ or $2y$, 60 characters), for example from: htpasswd -bnBC 10 \"\""
                        + " PASSWORD | tr -d ':\\n'");
            }
            if (byName.containsKey(user.name())) {
                throw new IllegalStateException(setting + ".name: \"" + user.name() + "\" is also an earlier user's"
                        + " name");
            }
            byName.put(user.name(), new ConsoleUser(user.name(), user.passwordHash(),
                    authorities(setting + ".roles", user.roles()), blankToNull(user.team())));
        }
        if (properties.demoUser()) {
            log.warn("imagebatch.console.demo-user=true: user \"demo\" with password \"demo\" (SUBMITTER, ADMIN, team"
                    + " demo) can sign in; for the sandbox demo and tests only, never in production");
            byName.put(DEMO, new ConsoleUser(DEMO, encoder.encode(DEMO),
                    authorities("demo-user", List.of(ConsoleRole.SUBMITTER.name(), ConsoleRole.ADMIN.name())), DEMO));
        }
        this.users = Map.copyOf(byName);
    }

    /**
     * @param setting the setting, for the message
     * @param roles   role names, any case
     * @return their authorities
     * @throws IllegalStateException for a name that is no {@link ConsoleRole}, or no role at all
     */
    static List<GrantedAuthority> authorities(String setting, List<String> roles) {
        if (roles == null || roles.isEmpty()) {
            throw new IllegalStateException(setting + ": missing; give one or more of VIEWER, SUBMITTER, ADMIN");
        }
        List<GrantedAuthority> authorities = new ArrayList<>();
        for (String role : roles) {
            try {
                authorities.add(new SimpleGrantedAuthority(
                        ConsoleRole.valueOf(role.trim().toUpperCase(Locale.ROOT)).authority()));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(setting + ": unknown role \"" + role.replaceAll("\\p{Cntrl}", "?")
                        + "\"; the roles are VIEWER, SUBMITTER, ADMIN");
            }
        }
        return List.copyOf(authorities);
    }

    /**
     * @param username the name signed in with
     * @return a fresh copy of the user (Spring Security erases the copy's password after sign-in)
     * @throws UsernameNotFoundException when there is no such user
     */
    @Override
    public UserDetails loadUserByUsername(String username) {
        ConsoleUser user = users.get(username);
        if (user == null) {
            throw new UsernameNotFoundException("no such user");
        }
        return new ConsoleUser(user.getUsername(), user.getPassword(), user.getAuthorities(), user.team());
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.trim();
    }
}
