package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.platform.runtime.PlatformRuntime;
import dev.noexcuses.platform.runtime.RunningService;
import dev.noexcuses.platform.runtime.RuntimeState;
import dev.noexcuses.platform.runtime.ServiceFactory;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = {"Run one service alone against configured infrastructure (its own process).",
        "Without kafka.bootstrap-servers it uses the embedded broker of a platform running on the same data directory."})
final class RunCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Parameters(paramLabel = "COMPONENT", description = "One of: ${COMPLETION-CANDIDATES}", completionCandidates = Names.class)
    String component;

    static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return ServiceFactory.ALL.stream().map(ServiceFactory::name).iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        ServiceFactory factory = ServiceFactory.named(component).orElseThrow(() -> new IllegalArgumentException(
                "Unknown component '" + component + "': use one of "
                        + ServiceFactory.ALL.stream().map(ServiceFactory::name).toList()));
        Config config = options.load();
        if (config.getString("kafka.bootstrap-servers").isBlank()) {
            Optional<RuntimeState> state = RuntimeState.read(options.dataDir(config));
            String bootstrap = state.filter(RuntimeState::processAlive).flatMap(s -> s.components().stream()
                    .filter(c -> c.name().equals("kafka")).findFirst())
                    .map(c -> c.endpoints().get("bootstrap_servers")).orElseThrow(() -> new IllegalStateException(
                            "No Kafka configured: set kafka.bootstrap-servers (--set or platform.conf) or start ./platform up"));
            System.out.println("Using the running platform's Kafka at " + bootstrap);
            config = ConfigFactory.parseMap(Map.of("kafka.bootstrap-servers", bootstrap)).withFallback(config);
        }
        RunningService service = factory.starter().apply(PlatformRuntime.withShippedFiles(config));
        System.out.println(service.name() + " running: " + service.endpoints() + " (Ctrl-C stops it)");
        Foreground.waitForShutdown(service);
        return 0;
    }
}
