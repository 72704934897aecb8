package dev.noexcuses.infra;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.common.config.PlatformConfig;
import java.util.Map;

/**
 * One embedded infrastructure per test JVM: started on first use, stopped when the JVM exits.
 * Test classes share it instead of each starting their own servers; a test that needs more than
 * Kafka names the components ({@code SharedLocalInfra.get("opensearch")}) and they are added.
 */
public final class SharedLocalInfra {
    private static LocalInfra instance;

    private SharedLocalInfra() {}

    public static synchronized LocalInfra get(String... components) {
        if (instance == null) {
            LocalInfra infra = LocalInfra.forTests(PlatformConfig.defaults(Map.of()));
            Runtime.getRuntime().addShutdownHook(new Thread(infra::close, "local-infra-shutdown"));
            instance = infra;
        }
        return instance.start(components);
    }

    /**
     * The default configuration pointed at the shared infrastructure's components, with the overrides
     * on top: a test's own setting (e.g. a database of its own on the shared server) wins over the
     * shared one.
     */
    public static Config serviceConfig(Map<String, String> overrides, String... components) {
        return ConfigFactory.parseMap(overrides).withFallback(get(components).serviceConfig(PlatformConfig.defaults(overrides)))
                .resolve();
    }
}
