package io.imagebatch.console.web;

import io.imagebatch.console.Requester;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.context.annotation.Profile;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ModelAttribute;

/**
 * What every console page's layout needs (the navigation bar): who is signed in and what they may do, as
 * {@code me} in the model; null on the sign-in page. The error pages (Spring Boot's {@link ErrorController})
 * have it too.
 */
@ControllerAdvice(assignableTypes = {BatchPagesController.class, SettingsController.class,
        LoginController.class, ErrorController.class})
@Profile("serve")
public class ConsolePageModel {

    /**
     * @param auth the signed-in user, or null
     * @return the requester, or null when nobody is signed in
     */
    @ModelAttribute("me")
    Requester me(Authentication auth) {
        return auth == null || !auth.isAuthenticated() || auth instanceof AnonymousAuthenticationToken ? null
                : ConsoleRequesters.of(auth);
    }
}
