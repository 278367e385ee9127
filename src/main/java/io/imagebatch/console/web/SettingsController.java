package io.imagebatch.console.web;

import io.imagebatch.console.ConsoleBatches;
import io.imagebatch.provider.ProviderSettings;
import io.imagebatch.provider.ProvidersProperties;
import io.imagebatch.spend.SpendProperties;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.context.annotation.Profile;
import org.springframework.core.env.Environment;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The settings page ({@code GET /settings}, ADMIN only; docs/console.md, "Who may do what"): the settings in force
 * that change what a batch sends and costs (each provider's base URL, whether a key is set, rate limit, timeouts,
 * prices and daily budget; the currency; the job templates), and never a secret: no API key, callback secret or
 * password is put in the page's model at all.
 */
@Controller
@Profile("serve")
public class SettingsController {

    private final ProvidersProperties providers;
    private final SpendProperties prices;
    private final ConsoleBatches batches;
    private final Environment environment;

    /**
     * @param providers   the providers' connection settings
     * @param prices      the providers' prices
     * @param batches     the console's batches, for the job templates
     * @param environment the settings, for the currency
     */
    public SettingsController(ProvidersProperties providers, SpendProperties prices, ConsoleBatches batches,
            Environment environment) {
        this.providers = providers;
        this.prices = prices;
        this.batches = batches;
        this.environment = environment;
    }

    /**
     * @param auth  the signed-in user; must be an ADMIN
     * @param model the page's model
     * @return the settings page
     * @throws AccessDeniedException for a user who is not an ADMIN (the security chain answers 403)
     */
    @GetMapping("/settings")
    String settings(Authentication auth, Model model) {
        if (!ConsoleRequesters.of(auth).admin()) {
            throw new AccessDeniedException("the settings are for ADMIN users");
        }
        model.addAttribute("providers", List.of(
                row("liangxin", providers.liangxin(), prices.liangxin()),
                row("mingyan", providers.mingyan(), prices.mingyan()),
                row("hiapi", providers.hiapi(), prices.hiapi()),
                row("crun", providers.crun(), prices.crun())));
        model.addAttribute("currency", environment.getProperty("imagebatch.spend.currency", "USD"));
        model.addAttribute("templates", batches.templates());
        return "settings";
    }

    private static ProviderRow row(String name, ProviderSettings settings, SpendProperties.Prices price) {
        return new ProviderRow(name, settings.baseUrl() == null ? null : settings.baseUrl().toString(),
                settings.isConfigured(), settings.requestsPerSecond(), settings.maxInFlight(),
                settings.connectTimeout().toMillis(), settings.requestTimeout().toMillis(), price.pricePerImage(),
                new TreeMap<>(price.prices()), price.chargesFailed() == null || price.chargesFailed(),
                price.dailyBudget());
    }

    /**
     * One provider's settings as the page shows them: no key, no secret.
     *
     * @param name              the provider
     * @param baseUrl           its base URL, or null when none is set
     * @param keySet            whether an API key is set (never the key)
     * @param requestsPerSecond its rate limit, requests per second, or null for none
     * @param maxInFlight       the most requests in flight at once
     * @param connectTimeoutMs  the connect timeout, ms
     * @param requestTimeoutMs  the request timeout, ms
     * @param pricePerImage     the price of one image, or null when none is set
     * @param prices            the prices per model or model and resolution
     * @param chargesFailed     whether a failed generation is counted as paid
     * @param dailyBudget       the daily budget of its key, or null for none
     */
    public record ProviderRow(String name, String baseUrl, boolean keySet, Double requestsPerSecond,
            int maxInFlight, long connectTimeoutMs, long requestTimeoutMs, String pricePerImage,
            Map<String, String> prices, boolean chargesFailed, String dailyBudget) {
    }
}
