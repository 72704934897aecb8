package dev.noexcuses.registry;

import dev.noexcuses.common.config.PlatformConfig;
import java.util.Map;

/**
 * The registry alone in a JVM of its own, configured by system properties over the defaults
 * ({@code -Dpostgres.jdbc-url=... -Dmodel-registry.port=...}), until the process is stopped. Spark JVMs (the ML
 * pipelines' tests) start it so, from {@code model-registry/target/lib}: its classpath and Spark's do not mix.
 */
public final class ModelRegistryMain {
    private ModelRegistryMain() {}

    public static void main(String[] args) throws InterruptedException {
        ModelRegistry registry = ModelRegistry.start(PlatformConfig.defaults(Map.of()));
        Runtime.getRuntime().addShutdownHook(new Thread(registry::close, "model-registry-stop"));
        System.out.println("model-registry listening on " + registry.url());
        Thread.currentThread().join();
    }
}
