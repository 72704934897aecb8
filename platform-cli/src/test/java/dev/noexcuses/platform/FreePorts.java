package dev.noexcuses.platform;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.infra.LocalInfra;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every port the platform's configuration names (collector.port, local-infra.opensearch.transport-port,
 * batch-loader.admin.port ...), each moved to a free port, so a test never meets a platform or another
 * test already running on this machine. Found from the configuration itself: a port key added later is
 * covered without touching the tests.
 */
final class FreePorts {
    private FreePorts() {}

    /** A free port for every port key of the defaults, and the enricher pointed at the moved enrichment API. */
    static Map<String, String> forEveryPortKey() {
        Map<String, String> ports = new TreeMap<>();
        for (String key : defaultPorts().keySet()) {
            ports.put(key, String.valueOf(LocalInfra.freePort()));
        }
        ports.put("enricher.api.url", "http://127.0.0.1:" + ports.get("enrichment-api.port"));
        return ports;
    }

    /** The configured default ports, by key. */
    static Map<String, Integer> defaultPorts() {
        Config defaults = PlatformConfig.defaults(Map.of());
        Map<String, Integer> ports = new TreeMap<>();
        defaults.entrySet().forEach(e -> {
            String key = e.getKey();
            if ((key.endsWith(".port") || key.endsWith("-port")) && e.getValue().valueType() == ConfigValueType.NUMBER) {
                int port = defaults.getInt(key);
                if (port > 0) {
                    ports.put(key, port);
                }
            }
        });
        return ports;
    }

    static Set<Integer> defaultPortNumbers() {
        return new TreeSet<>(defaultPorts().values());
    }
}
