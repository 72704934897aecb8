package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.platform.runtime.PlatformRuntime;
import dev.noexcuses.platform.runtime.RunningService;
import dev.noexcuses.platform.runtime.ServiceFactory;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = {"Run one service alone against configured infrastructure (its own process).",
        "Infrastructure that is not configured is taken from a platform running on the same data directory."})
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
        Config config = Connections.resolve(options);
        System.out.println("Kafka: " + config.getString("kafka.bootstrap-servers"));
        RunningService service = factory.starter().apply(PlatformRuntime.withShippedFiles(config));
        System.out.println(service.name() + " running: " + service.endpoints() + " (Ctrl-C stops it)");
        Foreground.waitForShutdown(service);
        return 0;
    }
}
