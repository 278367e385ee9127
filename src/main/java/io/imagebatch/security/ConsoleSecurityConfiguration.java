package io.imagebatch.security;

import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

/**
 * The web security of every command that serves HTTP. FOUNDATION ONLY: lets every request through, as before the
 * console existed; the console's rules (docs/console.md, "Who may do what") replace it.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
public class ConsoleSecurityConfiguration {

    /**
     * @param http Spring Security's builder
     * @return the filter chain
     * @throws Exception when Spring Security cannot build it
     */
    @Bean
    SecurityFilterChain openChain(HttpSecurity http) throws Exception {
        return http.authorizeHttpRequests(a -> a.anyRequest().permitAll()).csrf(c -> c.disable()).build();
    }

    /** @return no users yet (keeps Spring Boot from making one with a generated password) */
    @Bean
    InMemoryUserDetailsManager consoleUsers() {
        return new InMemoryUserDetailsManager();
    }
}
