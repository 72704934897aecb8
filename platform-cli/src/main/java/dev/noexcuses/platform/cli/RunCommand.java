package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.platform.runtime.PlatformRuntime;
import dev.noexcuses.platform.runtime.RuntimeState;
import dev.noexcuses.registry.client.RegistryClient;
import dev.noexcuses.serving.registry.RegistryModelFiles;
import dev.noexcuses.platform.runtime.RunningService;
import dev.noexcuses.platform.runtime.ServiceFactory;
import dev.noexcuses.serving.server.ModelServer;
import dev.noexcuses.serving.server.ModelServerSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "run", description = {"Run one service alone against configured infrastructure (its own process).",
        "Infrastructure that is not configured is taken from a platform running on the same data directory.",
        "model-server serves one model version: run model-server --model NAME --model-file PATH [--version V] [--port P],",
        "or a version of the model registry: run model-server --model NAME --version N | --alias champion."})
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

    @Option(names = "--version", paramLabel = "V", description = "model-server: the version it reports (default 1); "
            + "without --model-file, the registry's version to serve.")
    String version;

    @Option(names = "--alias", paramLabel = "ALIAS", description = "model-server: serve the version this alias of the model "
            + "registry points at now (e.g. champion), fetched through the registry (serving.registry.url, else the "
            + "running platform's).")
    String alias;

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

    /** A model server needs no infrastructure: the model file is all it serves (fetched from the registry when named there). */
    private int runModelServer() throws Exception {
        if (model == null || (modelFile == null && version == null && alias == null)) {
            throw new IllegalArgumentException("run model-server needs --model NAME and --model-file PATH, or a version of "
                    + "the model registry: --version N or --alias champion");
        }
        if (modelFile != null && alias != null) {
            throw new IllegalArgumentException("--alias names a version of the model registry: give it without --model-file");
        }
        Config config = options.load();
        Path file = modelFile;
        String served = version == null ? "1" : version;
        String from = "";
        if (modelFile == null) {
            RegistryModelFiles.ModelFile fetched = registry(config).fetch(model, version, alias);
            file = fetched.file();
            served = fetched.version();
            from = " (" + (alias == null ? model + " v" + served : model + "@" + alias + " = v" + served)
                    + " from the model registry: " + fetched.source() + ")";
        }
        ModelServerSettings settings = ModelServerSettings.from(config, model, served, file);
        if (port != null) {
            settings = settings.withPort(port);
        }
        ModelServer server = ModelServer.start(settings);
        System.out.println("model-server " + model + " version " + served + from + " ready: " + server.url()
                + "/v1/models/" + model + "/predict (Ctrl-C stops it)");
        Foreground.waitForShutdown(server);
        return 0;
    }

    /** serving.registry.url, else the registry of the platform running on the data directory. */
    private RegistryModelFiles registry(Config config) throws java.io.IOException {
        String url = config.getString("serving.registry.url");
        if (url.isBlank()) {
            url = RuntimeState.read(options.dataDir(config)).filter(RuntimeState::processAlive)
                    .flatMap(s -> s.components().stream().filter(c -> c.name().equals("model-registry")).findFirst())
                    .map(c -> c.endpoints().getOrDefault("mlflow", ""))
                    .orElse("");
            if (url.isBlank()) {
                throw new IllegalStateException("No model registry: start ./platform up on " + options.dataDir(config)
                        + ", or set serving.registry.url");
            }
        }
        return new RegistryModelFiles(RegistryClient.create(URI.create(url), config.getString("serving.registry.token")),
                url, Path.of(config.getString("serving.registry.cache-dir")));
    }
}
