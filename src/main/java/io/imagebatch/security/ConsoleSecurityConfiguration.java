package io.imagebatch.security;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.access.hierarchicalroles.RoleHierarchy;
import org.springframework.security.access.hierarchicalroles.RoleHierarchyImpl;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.client.oidc.userinfo.OidcUserRequest;
import org.springframework.security.oauth2.client.oidc.userinfo.OidcUserService;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.client.registration.ClientRegistrations;
import org.springframework.security.oauth2.client.registration.InMemoryClientRegistrationRepository;
import org.springframework.security.oauth2.client.userinfo.OAuth2UserService;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.authentication.www.BasicAuthenticationEntryPoint;
import org.springframework.security.web.context.RequestAttributeSecurityContextRepository;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;

/**
 * The web security of every command that serves HTTP (docs/console.md, "Who may do what"): {@code serve} with its
 * console, and {@code run} while it serves the callback endpoint (then only {@code /callbacks/**} and the health
 * probes are of use without signing in).
 *
 * <p>Two filter chains:
 * <ul>
 * <li>{@code /api/**}: HTTP Basic, stateless (no session is made or honoured), no CSRF (no cookie authenticates
 *     it); not signed in: 401 with an RFC 9457 problem detail; signed in without the role: 403 likewise. Reading
 *     needs VIEWER, every POST SUBMITTER.</li>
 * <li>everything else: the pages, with the form login at {@code /login} (and OpenID Connect when
 *     {@code imagebatch.console.oidc.issuer-uri} is set), CSRF protection, a session of
 *     {@code imagebatch.console.session-timeout}, and {@code POST /logout}; {@code /actuator/health/**} open, the
 *     rest of Actuator ADMIN (HTTP Basic, 401 when not signed in: scrapers are no browsers);
 *     {@code /callbacks/**} open and CSRF-exempt (its per-batch token authenticates it); {@code /console/**}
 *     (static files), {@code /login} and {@code /error} open; {@code /settings} ADMIN.</li>
 * </ul>
 * Both send secure headers: the content security policy {@value #CONTENT_SECURITY_POLICY} (so pages carry no
 * inline script or style), {@code X-Content-Type-Options: nosniff}, {@code X-Frame-Options: DENY} and
 * {@code Referrer-Policy: same-origin}. Roles nest: ADMIN includes SUBMITTER, which includes VIEWER.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class ConsoleSecurityConfiguration {

    /** The content security policy of every answer. */
    public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; img-src 'self' data:;"
            + " frame-ancestors 'none'";
    /** The registration id of the OpenID Connect client ({@code /oauth2/authorization/oidc}). */
    public static final String OIDC_REGISTRATION = "oidc";

    /**
     * The API's chain: HTTP Basic, stateless, no CSRF, problem details for 401 and 403.
     *
     * @param http Spring Security's builder
     * @return the chain of {@code /api/**}
     * @throws Exception when Spring Security cannot build it
     */
    @Bean
    @Order(1)
    SecurityFilterChain apiChain(HttpSecurity http) throws Exception {
        return http.securityMatcher("/api/**")
                .authorizeHttpRequests(a -> a
                        .requestMatchers(HttpMethod.GET, "/api/**").hasRole(ConsoleRole.VIEWER.name())
                        .anyRequest().hasRole(ConsoleRole.SUBMITTER.name()))
                .httpBasic(b -> b.authenticationEntryPoint((request, response, e) ->
                        problem(response, 401, "Unauthorized", "sign in with HTTP Basic (user and password)")))
                .exceptionHandling(e -> e
                        .authenticationEntryPoint((request, response, ex) ->
                                problem(response, 401, "Unauthorized", "sign in with HTTP Basic (user and password)"))
                        .accessDeniedHandler((request, response, ex) ->
                                problem(response, 403, "Forbidden", "your role does not allow this")))
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .securityContext(c -> c.securityContextRepository(new RequestAttributeSecurityContextRepository()))
                .requestCache(c -> c.disable())
                .csrf(c -> c.disable())
                .headers(ConsoleSecurityConfiguration::secureHeaders)
                .build();
    }

    /**
     * The pages' chain (and Actuator, callbacks, static files).
     *
     * @param http    Spring Security's builder
     * @param clients the OpenID Connect client, when configured
     * @param oidc    the OIDC user service that maps claims to roles, when configured
     * @return the chain of every other path
     * @throws Exception when Spring Security cannot build it
     */
    @Bean
    @Order(2)
    SecurityFilterChain pageChain(HttpSecurity http, ObjectProvider<ClientRegistrationRepository> clients,
            ObjectProvider<OAuth2UserService<OidcUserRequest, OidcUser>> oidc) throws Exception {
        BasicAuthenticationEntryPoint basic = new BasicAuthenticationEntryPoint();
        basic.setRealmName("imagebatch");
        PathPatternRequestMatcher actuator = PathPatternRequestMatcher.withDefaults().matcher("/actuator/**");
        LoginUrlAuthenticationEntryPoint login = new LoginUrlAuthenticationEntryPoint("/login");
        http.authorizeHttpRequests(a -> a
                        .requestMatchers("/actuator/health", "/actuator/health/**").permitAll()
                        .requestMatchers("/actuator/**").hasRole(ConsoleRole.ADMIN.name())
                        .requestMatchers("/callbacks/**").permitAll()
                        .requestMatchers("/console/**", "/login", "/error", "/favicon.ico").permitAll()
                        .requestMatchers("/settings", "/settings/**").hasRole(ConsoleRole.ADMIN.name())
                        .anyRequest().hasRole(ConsoleRole.VIEWER.name()))
                .formLogin(f -> f.loginPage("/login").permitAll())
                .httpBasic(b -> b.authenticationEntryPoint(basic))
                // not signed in: Actuator answers 401 (scrapers are no browsers), every page 302 to /login
                .exceptionHandling(e -> e.authenticationEntryPoint((request, response, ex) -> {
                    if (actuator.matches(request)) {
                        basic.commence(request, response, ex);
                    } else {
                        login.commence(request, response, ex);
                    }
                }))
                .logout(l -> l.logoutUrl("/logout").logoutSuccessUrl("/login?logout"))
                .csrf(c -> c.ignoringRequestMatchers("/callbacks/**"))
                .headers(ConsoleSecurityConfiguration::secureHeaders);
        ClientRegistrationRepository registrations = clients.getIfAvailable();
        if (registrations != null) {
            http.oauth2Login(o -> o.loginPage("/login").clientRegistrationRepository(registrations)
                    .userInfoEndpoint(u -> u.oidcUserService(oidc.getObject())));
        }
        return http.build();
    }

    private static void secureHeaders(
            org.springframework.security.config.annotation.web.configurers.HeadersConfigurer<HttpSecurity> headers) {
        headers.contentSecurityPolicy(c -> c.policyDirectives(CONTENT_SECURITY_POLICY))
                .contentTypeOptions(c -> { })
                .frameOptions(f -> f.deny())
                .referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.SAME_ORIGIN));
    }

    /** Writes an RFC 9457 problem detail; fixed texts only, never a secret or a stack trace. */
    private static void problem(HttpServletResponse response, int status, String title, String detail)
            throws java.io.IOException {
        response.setStatus(status);
        if (status == 401) {
            response.setHeader("WWW-Authenticate", "Basic realm=\"imagebatch\"");
        }
        response.setContentType("application/problem+json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write("{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status
                + ",\"detail\":\"" + detail + "\"}");
    }

    /** @return ADMIN includes SUBMITTER, which includes VIEWER ({@link ConsoleRole}) */
    @Bean
    static RoleHierarchy consoleRoleHierarchy() {
        return RoleHierarchyImpl.fromHierarchy(ConsoleRole.ADMIN.authority() + " > " + ConsoleRole.SUBMITTER.authority()
                + "\n" + ConsoleRole.SUBMITTER.authority() + " > " + ConsoleRole.VIEWER.authority());
    }

    /** @return bcrypt, the only password hash the console's users may have */
    @Bean
    PasswordEncoder consolePasswordEncoder() {
        return new BCryptPasswordEncoder();
    }

    /**
     * @param properties the users' settings
     * @param encoder    bcrypt
     * @return the users from configuration (none by default; keeps Spring Boot from making one with a generated
     *         password)
     * @throws IllegalStateException when a user's setting is wrong ({@link ConsoleUserDetailsService})
     */
    @Bean
    ConsoleUserDetailsService consoleUsers(ConsoleUsersProperties properties, PasswordEncoder encoder) {
        return new ConsoleUserDetailsService(properties, encoder);
    }

    /**
     * Applies {@code imagebatch.console.session-timeout} to every page session.
     *
     * @param properties the setting
     * @return the listener that sets each new session's timeout
     */
    @Bean
    HttpSessionListener consoleSessionTimeout(ConsoleUsersProperties properties) {
        int seconds = (int) Math.min(Integer.MAX_VALUE, properties.sessionTimeout().toSeconds());
        return new HttpSessionListener() {
            @Override
            public void sessionCreated(HttpSessionEvent event) {
                event.getSession().setMaxInactiveInterval(seconds);
            }
        };
    }

    /**
     * The OpenID Connect sign-in, when {@code imagebatch.console.oidc.issuer-uri} is set.
     */
    @Configuration(proxyBeanMethods = false)
    @org.springframework.boot.autoconfigure.condition.ConditionalOnProperty("imagebatch.console.oidc.issuer-uri")
    static class Oidc {

        /**
         * Reads the issuer's discovery document at start ({@link ClientRegistrations#fromIssuerLocation}).
         *
         * @param properties the OIDC settings
         * @return the one client, {@value ConsoleSecurityConfiguration#OIDC_REGISTRATION}
         * @throws IllegalStateException when the client id or secret is missing
         */
        @Bean
        ClientRegistrationRepository consoleOidcClient(ConsoleUsersProperties properties) {
            ConsoleUsersProperties.Oidc oidc = properties.oidc();
            if (oidc.clientId() == null || oidc.clientId().isBlank()) {
                throw new IllegalStateException("imagebatch.console.oidc.client-id: missing (the issuer-uri is set)");
            }
            if (oidc.clientSecret() == null || oidc.clientSecret().isBlank()) {
                throw new IllegalStateException("imagebatch.console.oidc.client-secret: missing (the issuer-uri is"
                        + " set)");
            }
            ClientRegistration registration = ClientRegistrations.fromIssuerLocation(oidc.issuerUri())
                    .registrationId(OIDC_REGISTRATION).clientId(oidc.clientId()).clientSecret(oidc.clientSecret())
                    .scope("openid", "profile", "email").build();
            return new InMemoryClientRegistrationRepository(registration);
        }

        /**
         * @param properties the claims' names
         * @return the OIDC user service whose users carry the console roles and team of their claims
         */
        @Bean
        OAuth2UserService<OidcUserRequest, OidcUser> consoleOidcUsers(ConsoleUsersProperties properties) {
            OidcClaimsMapping mapping = new OidcClaimsMapping(properties.oidc().rolesClaim(),
                    properties.oidc().teamClaim());
            OidcUserService delegate = new OidcUserService();
            return request -> {
                OidcUser user = delegate.loadUser(request);
                Map<String, Object> claims = user.getClaims();
                return new ConsoleOidcUser(mapping.authorities(claims), user.getIdToken(), user.getUserInfo(),
                        mapping.team(claims));
            };
        }
    }
}
