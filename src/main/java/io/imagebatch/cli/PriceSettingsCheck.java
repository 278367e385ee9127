package io.imagebatch.cli;

import io.imagebatch.spend.SpendConfiguration;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;

/**
 * Checks the price settings and the currency as soon as a command's settings are known, before its context
 * starts (README.md, Spend): a bad one ({@link io.imagebatch.spend.PriceSettingsException}) then stops the start
 * before the database is opened or a bean is made, and the command reports it in one line with exit code 2
 * ({@link SpringCommand#run}, {@link SettingsFailureReporter}).
 */
final class PriceSettingsCheck implements ApplicationListener<ApplicationEnvironmentPreparedEvent> {

    /**
     * @param event the prepared environment
     * @throws io.imagebatch.spend.PriceSettingsException naming the setting and value that is not usable
     */
    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        SpendConfiguration.priceTable(event.getEnvironment());
    }
}
