package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.platform.runtime.PlatformRuntime;
import dev.noexcuses.platform.runtime.RunningService;
import dev.noexcuses.platform.runtime.ServiceFactory;
import dev.noexcuses.serving.server.ModelServer;
import dev.noexcuses.serving.server.ModelServerSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = {"Run one service alone against configured infrastructure (its own process).",
        "Infrastructure that is not configured is taken from a platform running on the same data directory.",
        "model-server serves one model version: run model-server --model NAME --model-file PATH [--version V] [--port P]."})
final class RunCommand implements Callable<Integer> {
    private static final String MODEL_SERVER = "model-server";

    @Mixin
    ConfigOptions options;

    @Parameters(paramLabel = "COMPONENT", description = "One of: ${COMPLETION-CANDIDATES}", completionCandidates = Names.class)
    String component;

    @Option(names = "--model", paramLabel = "NAME", description = "model-server: the model's name (the predict path's {name}).")
    String model;

    @Option(names = "--model-file", paramLabel = "PATH", description = "model-server: the XGBoost model file (JSON carries feature names).")
    Path modelFile;

    @Option(names = "--version", paramLabel = "V", defaultValue = "1", description = "model-server: the version it reports (default ${DEFAULT-VALUE}).")
    String version;

    @Option(names = "--port", paramLabel = "PORT", description = "model-server: the port (default serving.model-server.port, 8098; 0 for any).")
    Integer port;

    static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Stream.concat(ServiceFactory.ALL.stream().map(ServiceFactory::name), Stream.of(MODEL_SERVER)).iterator();
        }
    }

    @Override
    public Integer call() throws Exception {
        if (MODEL_SERVER.equals(component)) {
            return runModelServer();
        }
        ServiceFactory factory = ServiceFactory.named(component).orElseThrow(() -> new IllegalArgumentException(
                "Unknown component '" + component + "': use one of "
                        + Stream.concat(ServiceFactory.ALL.stream().map(ServiceFactory::name), Stream.of(MODEL_SERVER)).toList()));
        Config config = Connections.resolve(options);
        System.out.println("Kafka: " + config.getString("kafka.bootstrap-servers"));
        RunningService service = factory.starter().apply(PlatformRuntime.withShippedFiles(config));
        System.out.println(service.name() + " running: " + service.endpoints() + " (Ctrl-C stops it)");
        Foreground.waitForShutdown(service);
        return 0;
    }

    /** A model server needs no infrastructure: the model file is all it serves. */
    private int runModelServer() throws InterruptedException {
        if (model == null || modelFile == null) {
            throw new IllegalArgumentException("run model-server needs --model NAME and --model-file PATH");
        }
        ModelServerSettings settings = ModelServerSettings.from(options.load(), model, version, modelFile);
        if (port != null) {
            settings = settings.withPort(port);
        }
        ModelServer server = ModelServer.start(settings);
        System.out.println("model-server " + model + " version " + version + " ready: " + server.url()
                + "/v1/models/" + model + "/predict (Ctrl-C stops it)");
        Foreground.waitForShutdown(server);
        return 0;
    }
}
