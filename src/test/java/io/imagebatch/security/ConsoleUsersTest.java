package io.imagebatch.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imagebatch.console.Requester;
import io.imagebatch.console.web.ConsoleRequesters;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * The console's users from configuration and from OpenID Connect claims: a wrong setting refuses to start naming
 * the setting and never the hash; the demo user signs in with demo/demo; an OIDC user's roles and team come from
 * the configured claims.
 */
class ConsoleUsersTest {

    private final BCryptPasswordEncoder bcrypt = new BCryptPasswordEncoder(4);
    private final String goodHash = bcrypt.encode("pw");

    private ConsoleUserDetailsService users(boolean demo, ConsoleUsersProperties.User... list) {
        return new ConsoleUserDetailsService(new ConsoleUsersProperties(List.of(list), demo, Duration.ofMinutes(30),
                null), bcrypt);
    }

    @Test
    void aHashThatIsNotBcryptRefusesToStartNamingTheSettingWithoutEchoingTheHash() {
        String plain = "{noop}my-password-123";
        assertThatThrownBy(() -> users(false, new ConsoleUsersProperties.User("a", goodHash, List.of("VIEWER"), null),
                new ConsoleUsersProperties.User("b", plain, List.of("VIEWER"), null)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("imagebatch.console.users[1].password-hash: not a bcrypt hash")
                .message().doesNotContain(plain).doesNotContain("my-password-123");
        String shortHash = goodHash.substring(0, 50);
        assertThatThrownBy(() -> users(false, new ConsoleUsersProperties.User("a", shortHash, List.of("VIEWER"), null)))
                .hasMessageContaining("imagebatch.console.users[0].password-hash").message().doesNotContain(shortHash);
    }

    @Test
    void aMissingNameOrAnUnknownRoleRefusesToStartNamingTheSetting() {
        assertThatThrownBy(() -> users(false, new ConsoleUsersProperties.User(" ", goodHash, List.of("VIEWER"), null)))
                .hasMessageStartingWith("imagebatch.console.users[0].name: missing");
        assertThatThrownBy(() -> users(false, new ConsoleUsersProperties.User("a", goodHash, List.of("OWNER"), null)))
                .hasMessageStartingWith("imagebatch.console.users[0].roles: unknown role \"OWNER\"")
                .message().doesNotContain(goodHash);
        assertThatThrownBy(() -> users(false, new ConsoleUsersProperties.User("a", goodHash, List.of(), null)))
                .hasMessageStartingWith("imagebatch.console.users[0].roles: missing");
        assertThat(new ConsoleUsersProperties.User("a", goodHash, List.of("VIEWER"), null).toString())
                .doesNotContain(goodHash);
    }

    @Test
    void aConfiguredUserCarriesTeamAndRolesAndTheDemoUserIsThereOnlyWhenAsked() {
        ConsoleUserDetailsService service = users(true,
                new ConsoleUsersProperties.User("alice", goodHash, List.of("submitter"), "red"));

        UserDetails alice = service.loadUserByUsername("alice");
        assertThat(bcrypt.matches("pw", alice.getPassword())).isTrue();
        Requester requester = ConsoleRequesters.of(UsernamePasswordAuthenticationToken.authenticated(alice, null,
                alice.getAuthorities()));
        assertThat(requester).isEqualTo(new Requester("alice", "red", Set.of(ConsoleRole.SUBMITTER)));
        // a fresh copy each time: Spring Security erases the password of the one it signed in with
        assertThat(service.loadUserByUsername("alice")).isNotSameAs(alice);

        UserDetails demo = service.loadUserByUsername("demo");
        assertThat(bcrypt.matches("demo", demo.getPassword())).isTrue();
        Requester demoRequester = ConsoleRequesters.of(UsernamePasswordAuthenticationToken.authenticated(demo, null,
                demo.getAuthorities()));
        assertThat(demoRequester.admin()).isTrue();
        assertThat(demoRequester.team()).isEqualTo("demo");

        assertThatThrownBy(() -> users(false).loadUserByUsername("demo")).isInstanceOf(UsernameNotFoundException.class);
    }

    @Test
    void anOidcUsersRolesAndTeamComeFromTheConfiguredClaims() {
        OidcClaimsMapping defaults = new OidcClaimsMapping("roles", "team");
        assertThat(defaults.roles(Map.of("roles", List.of("submitter", "offline_access", "VIEWER"))))
                .containsExactlyInAnyOrder(ConsoleRole.SUBMITTER, ConsoleRole.VIEWER);
        assertThat(defaults.roles(Map.of("roles", "admin viewer"))).containsExactlyInAnyOrder(ConsoleRole.ADMIN,
                ConsoleRole.VIEWER);
        assertThat(defaults.roles(Map.of("sub", "x"))).isEmpty();
        assertThat(defaults.team(Map.of("team", "red"))).isEqualTo("red");
        assertThat(defaults.team(Map.of("team", List.of("blue", "red")))).isEqualTo("blue");
        assertThat(defaults.team(Map.of())).isNull();

        OidcClaimsMapping custom = new OidcClaimsMapping("groups", "department");
        Map<String, Object> claims = Map.of("groups", "imagebatch,ADMIN", "department", "marketing",
                "roles", List.of("VIEWER"));
        assertThat(custom.roles(claims)).containsExactly(ConsoleRole.ADMIN);
        assertThat(custom.team(claims)).isEqualTo("marketing");
        assertThat(custom.authorities(claims)).extracting(a -> a.getAuthority()).containsExactly("ROLE_ADMIN");
    }
}
