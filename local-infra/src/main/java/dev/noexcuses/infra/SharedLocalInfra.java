package dev.noexcuses.infra;

import com.typesafe.config.Config;
import dev.noexcuses.common.config.PlatformConfig;
import java.util.Map;

/**
 * One embedded infrastructure per test JVM: started on first use, stopped when the JVM exits.
 * Test classes share it instead of each starting their own broker.
 */
public final class SharedLocalInfra {
    private static LocalInfra instance;

    private SharedLocalInfra() {}

    public static synchronized LocalInfra get() {
        if (instance == null) {
            LocalInfra infra = LocalInfra.forTests(PlatformConfig.defaults(Map.of())).start();
            Runtime.getRuntime().addShutdownHook(new Thread(infra::close, "local-infra-shutdown"));
            instance = infra;
        }
        return instance;
    }

    /** The default configuration pointed at the shared infrastructure. */
    public static Config serviceConfig(Map<String, String> overrides) {
        return get().serviceConfig(PlatformConfig.defaults(overrides));
    }
}
