package io.imagebatch.console.web;

import org.springframework.context.annotation.Profile;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The sign-in page ({@code GET /login}); Spring Security handles {@code POST /login} (fields {@code username},
 * {@code password} and the CSRF token) and {@code POST /logout}, and comes back here with {@code ?error} after a
 * failed sign-in or {@code ?logout} after signing out (docs/console.md, "Who may do what").
 */
@Controller
@Profile("serve")
public class LoginController {

    /** @return the sign-in form */
    @GetMapping("/login")
    String login() {
        return "login";
    }
}
