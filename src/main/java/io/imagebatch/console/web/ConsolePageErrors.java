package io.imagebatch.console.web;

import io.imagebatch.console.BatchNotFoundException;
import io.imagebatch.console.ConsoleRequestException;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.context.annotation.Profile;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * The error pages of the console's pages (not of {@code /api/**}, which answers problem details): an unknown
 * batch or row, or another team's, is the 404 page (so that it looks unknown, docs/console.md, "Who may do
 * what"); a request that cannot be done as asked is its status (400, 409, 413) with the message.
 */
@ControllerAdvice(assignableTypes = {BatchPagesController.class, SettingsController.class})
@Profile("serve")
public class ConsolePageErrors {

    /**
     * @param e        what was not found
     * @param response the response, set to 404
     * @param model    the page's model
     * @return the 404 page
     */
    @ExceptionHandler(BatchNotFoundException.class)
    String notFound(BatchNotFoundException e, HttpServletResponse response, Model model) {
        response.setStatus(HttpServletResponse.SC_NOT_FOUND);
        model.addAttribute("message", e.getMessage());
        return "error/404";
    }

    /**
     * @param e        the refusal, with its status and message for the user
     * @param response the response, set to the refusal's status
     * @param model    the page's model
     * @return the error page with the message
     */
    @ExceptionHandler(ConsoleRequestException.class)
    String refused(ConsoleRequestException e, HttpServletResponse response, Model model) {
        response.setStatus(e.status());
        model.addAttribute("status", e.status());
        model.addAttribute("message", e.getMessage());
        return "error/refused";
    }
}
