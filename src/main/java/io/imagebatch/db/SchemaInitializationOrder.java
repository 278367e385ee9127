package io.imagebatch.db;

import io.imagebatch.ledger.LedgerSchemaUpgrade;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.sql.init.AbstractScriptDatabaseInitializer;

/**
 * Runs the application's schema initializers under the {@link SchemaInitializationLock} (README.md, PostgreSQL):
 * every initializer bean {@code dependsOn} the lock's bean ({@value SchemaInitializationConfiguration#LOCK}), so
 * the first of them to be made takes the lock, and the lock is released as soon as the last of them is
 * initialized. The initializers: every bean of Spring Boot's {@link AbstractScriptDatabaseInitializer} type (the
 * {@code spring.sql.init} scripts' initializer and Spring Batch's {@code BatchDataSourceScriptDatabaseInitializer},
 * whichever the context has) and the ledger's {@link LedgerSchemaUpgrade}, which Spring Boot already orders after
 * the scripts ({@code @DependsOnDatabaseInitialization}).
 *
 * <p>When an initializer fails, the context does not start and closing it releases the lock
 * ({@link SchemaInitializationLock#close()}); when one is never made, the lock is released once every singleton is
 * made ({@link #afterSingletonsInstantiated()}).
 */
public class SchemaInitializationOrder implements BeanFactoryPostProcessor, BeanPostProcessor,
        SmartInitializingSingleton {

    /** The initializers not initialized yet; the lock is released when the last one is. */
    private final Set<String> pending = new LinkedHashSet<>();
    private ConfigurableListableBeanFactory beanFactory;

    /**
     * Makes every initializer bean depend on the lock's bean, and remembers them.
     *
     * @param beanFactory the context's bean factory, its bean definitions all registered
     */
    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        this.beanFactory = beanFactory;
        Set<String> initializers = new LinkedHashSet<>(
                Arrays.asList(beanFactory.getBeanNamesForType(AbstractScriptDatabaseInitializer.class, true, false)));
        if (beanFactory.containsBeanDefinition(LedgerSchemaUpgrade.BEAN)) {
            initializers.add(LedgerSchemaUpgrade.BEAN);
        }
        for (String name : initializers) {
            BeanDefinition definition = beanFactory.getBeanDefinition(name);
            String[] dependsOn = definition.getDependsOn();
            definition.setDependsOn(Stream.concat(dependsOn == null ? Stream.empty() : Arrays.stream(dependsOn),
                    Stream.of(SchemaInitializationConfiguration.LOCK)).distinct().toArray(String[]::new));
        }
        synchronized (pending) {
            pending.addAll(initializers);
        }
    }

    /**
     * Releases the lock once the last initializer is initialized.
     *
     * @param bean     a bean, initialized
     * @param beanName its name
     * @return {@code bean}
     */
    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
        boolean last;
        synchronized (pending) {
            last = pending.remove(beanName) && pending.isEmpty();
        }
        if (last) {
            release();
        }
        return bean;
    }

    /**
     * Releases the lock, if it was taken and is still held, once every singleton is made: for a context where an
     * initializer is never made (a lazy one), so that the lock is not held for the process's life.
     */
    @Override
    public void afterSingletonsInstantiated() {
        release();
    }

    private void release() {
        if (beanFactory != null && beanFactory.containsSingleton(SchemaInitializationConfiguration.LOCK)) {
            beanFactory.getBean(SchemaInitializationConfiguration.LOCK, SchemaInitializationLock.class).release();
        }
    }
}
