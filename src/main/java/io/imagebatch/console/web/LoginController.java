package io.imagebatch.console.web;

import io.imagebatch.security.ConsoleSecurityConfiguration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Profile;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The sign-in page ({@code GET /login}); Spring Security handles {@code POST /login} (fields {@code username},
 * {@code password} and the CSRF token) and {@code POST /logout}, and comes back here with {@code ?error} after a
 * failed sign-in or {@code ?logout} after signing out (docs/console.md, "Who may do what"). When OpenID Connect
 * is configured ({@code imagebatch.console.oidc.issuer-uri}) the page also links to the company sign-in.
 */
@Controller
@Profile("serve")
public class LoginController {

    /** The path that starts the OpenID Connect sign-in (Spring Security's authorization request endpoint). */
    public static final String OIDC_SIGN_IN = "/oauth2/authorization/" + ConsoleSecurityConfiguration.OIDC_REGISTRATION;

    private final ObjectProvider<ClientRegistrationRepository> oidcClients;

    /** @param oidcClients the OpenID Connect client, present only when one is configured */
    public LoginController(ObjectProvider<ClientRegistrationRepository> oidcClients) {
        this.oidcClients = oidcClients;
    }

    /**
     * @param model the page's model: {@code oidc}, the company sign-in's path, or null without OpenID Connect
     * @return the sign-in form
     */
    @GetMapping("/login")
    String login(Model model) {
        model.addAttribute("oidc", oidcClients.getIfAvailable() != null ? OIDC_SIGN_IN : null);
        return "login";
    }
}
