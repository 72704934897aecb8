package dev.noexcuses.platform.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.security.Secrets;
import dev.noexcuses.common.redis.RedisAccess;
import dev.noexcuses.infra.kafka.KafkaProbe;
import dev.noexcuses.infra.redis.RedisProbe;
import dev.noexcuses.infra.trino.TrinoProbe;
import dev.noexcuses.platform.runtime.HttpProbe;
import dev.noexcuses.platform.runtime.RuntimeState;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "status", description = "Each component's health and endpoints, and how to connect to the infrastructure.")
final class StatusCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--json", description = "Print JSON for machines.")
    boolean json;

    @Option(names = "--show-secrets", description = "Print passwords and secret keys instead of masking them.")
    boolean showSecrets;

    @Override
    public Integer call() throws Exception {
        Config config = options.load();
        Path dataDir = options.dataDir(config);
        Optional<RuntimeState> state = RuntimeState.read(dataDir);
        boolean running = state.isPresent() && state.get().processAlive();
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("running", running);
        out.put("data_dir", dataDir.toString());
        ArrayNode components = out.putArray("components");
        boolean allHealthy = running;
        boolean starting = running && state.get().stillStarting();
        out.put("starting", starting);
        if (running) {
            out.put("pid", state.get().pid());
            out.put("started_at", state.get().startedAt().toString());
            for (RuntimeState.Component c : state.get().components()) {
                boolean healthy = healthy(c);
                // A component that starts in the background or cannot run here (Trino without a JDK 24+) is
                // shown as such; the services do not depend on it.
                String health = c.endpoints().containsKey("missing") ? "MISSING"
                        : healthy ? "up" : "starting".equals(c.endpoints().get("state")) ? "STARTING" : "DOWN";
                allHealthy &= healthy || !health.equals("DOWN");
                ObjectNode node = components.addObject();
                node.put("name", c.name());
                node.put("kind", c.kind());
                node.put("state", switch (health) {
                    case "up" -> "ready";
                    case "STARTING" -> "starting";
                    case "MISSING" -> "missing";
                    default -> "down";
                });
                node.put("embedded", c.embedded());
                node.put("healthy", healthy);
                node.put("health", health);
                node.set("endpoints", Json.mapper().valueToTree(showSecrets ? c.endpoints()
                        : Secrets.masked(c.endpoints())));
            }
            for (String name : state.get().starting()) {
                ObjectNode node = components.addObject();
                node.put("name", name);
                node.put("state", "starting");
                node.put("healthy", false);
            }
        }
        // Healthy means ready to take work end to end: a platform still starting is not, yet.
        allHealthy &= !starting;
        out.put("healthy", allHealthy);
        if (json) {
            System.out.println(Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
        } else if (!running) {
            System.out.println("The platform is not running (data directory " + dataDir + "). Start it: ./platform up");
        } else {
            System.out.printf("Platform %s (pid %d, since %s), data in %s%n",
                    starting ? state.get().startingMessage() : "running", state.get().pid(), state.get().startedAt(),
                    dataDir);
            System.out.printf("%-16s %-15s %-9s %s%n", "COMPONENT", "KIND", "STATE", "ENDPOINTS");
            components.forEach(c -> System.out.printf("%-16s %-15s %-9s %s%n", c.get("name").asText(),
                    c.has("kind") ? c.get("kind").asText() + (c.get("embedded").asBoolean() ? "" : " (ext)") : "",
                    switch (c.get("state").asText()) {
                        case "down", "missing" -> c.get("state").asText().toUpperCase(java.util.Locale.ROOT);
                        default -> c.get("state").asText();
                    },
                    c.has("endpoints") ? c.get("endpoints") : ""));
        }
        // 0 ready, 1 something down, 2 still starting, 3 not running: a script waits for 0.
        return running ? (starting ? 2 : allHealthy ? 0 : 1) : 3;
    }

    private static boolean healthy(RuntimeState.Component c) {
        if (c.healthUrl() != null) {
            return HttpProbe.ok(c.healthUrl(), c.healthToken());
        }
        if ("kafka".equals(c.name())) {
            return KafkaProbe.reachable(c.endpoints().get("bootstrap_servers"), 3000);
        }
        if ("redis".equals(c.name())) {
            return c.endpoints().containsKey("url") && new RedisProbe(new RedisAccess(c.endpoints().get("url"),
                    c.endpoints().getOrDefault("username", ""), c.endpoints().getOrDefault("password", ""),
                    c.endpoints().getOrDefault("tls_ca_file", ""),
                    Boolean.parseBoolean(c.endpoints().getOrDefault("tls_insecure", "false")))).ready(java.time.Duration.ofSeconds(3));
        }
        if ("trino".equals(c.name())) {
            return c.endpoints().containsKey("url") && TrinoProbe.ready(c.endpoints().get("url"));
        }
        return true;
    }
}
