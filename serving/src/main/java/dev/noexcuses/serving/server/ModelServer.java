package dev.noexcuses.serving.server;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import com.linecorp.armeria.server.healthcheck.SettableHealthChecker;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.serving.model.XgboostModel;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One model version, served: {@code POST /v1/models/{name}/predict}, {@code GET /v1/models/{name}},
 * {@code /healthz}, {@code /readyz} (ready only once the model is loaded and warmed up) and Prometheus
 * {@code /metrics}.
 */
public final class ModelServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelServer.class);
    private static final MediaType PROMETHEUS_TEXT = MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

    private final Server server;
    private final SettableHealthChecker ready;
    private final XgboostModel model;
    private final PrometheusMeterRegistry meters;

    private ModelServer(Server server, SettableHealthChecker ready, XgboostModel model, PrometheusMeterRegistry meters) {
        this.server = server;
        this.ready = ready;
        this.model = model;
        this.meters = meters;
    }

    /** Loads the model, listens, warms up, then reports ready; returns once ready. */
    public static ModelServer start(ModelServerSettings settings) {
        requireNonNull(settings, "settings is null");
        XgboostModel model = XgboostModel.load(settings.modelFile());
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meters);
        SettableHealthChecker ready = new SettableHealthChecker(false);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("model", settings.model());
        info.put("version", settings.version());
        info.put("model_file", settings.modelFile().toAbsolutePath().toString());
        info.put("features", model.featureNames());
        Server server = Server.builder()
                .http(new InetSocketAddress(settings.host(), settings.port()))
                .requestTimeout(Duration.ofSeconds(10))
                // In-flight predictions finish on stop; new ones get 503 meanwhile, which the gateway retries elsewhere.
                .gracefulShutdownTimeout(Duration.ofMillis(500), Duration.ofSeconds(3))
                .service("/v1/models/{name}/predict", new PredictService(settings.model(), settings.version(), model, meters))
                .service("/v1/models/{name}", (ctx, req) -> settings.model().equals(ctx.pathParam("name"))
                        ? HttpResponse.ofJson(info)
                        : PredictService.error(HttpStatus.NOT_FOUND, "No model '" + ctx.pathParam("name") + "' here"))
                .service("/healthz", HealthCheckService.of())
                .service("/readyz", HealthCheckService.builder().checkers(ready).longPolling(Duration.ZERO).build())
                .service("/metrics", (ctx, req) -> HttpResponse.of(HttpStatus.OK, PROMETHEUS_TEXT, meters.scrape()))
                .build();
        server.start().join();
        ModelServer running = new ModelServer(server, ready, model, meters);
        running.warmUp(settings.warmupPredictions());
        ready.setHealthy(true);
        settings.portFile().ifPresent(file -> writePort(file, running.port()));
        LOG.info("Model server for {} version {} ready on port {} ({} features, {} warm-up predictions)",
                settings.model(), settings.version(), running.port(), model.featureNames().size(),
                settings.warmupPredictions());
        return running;
    }

    /** Predictions on an all-zero row, so the first user request does not pay for class loading and JIT. */
    private void warmUp(int predictions) {
        Map<String, Double> zeros = new HashMap<>();
        model.featureNames().forEach(f -> zeros.put(f, 0.0));
        for (int i = 0; i < predictions; i++) {
            model.predict(zeros);
        }
    }

    private static void writePort(Path file, int port) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, Integer.toString(port));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the port file " + file, e);
        }
    }

    public int port() {
        return server.activeLocalPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public boolean isReady() {
        return ready.isHealthy() && !server.isClosing();
    }

    @Override
    public void close() {
        ready.setHealthy(false);
        server.stop().join();
        model.close();
        meters.close();
    }

    /**
     * Runs a model server alone, until SIGTERM (or the end of {@code --parent-pid}):
     * {@code --model NAME --version V --model-file PATH [--host H] [--port P] [--port-file F]
     * [--warmup N] [--parent-pid PID]}.
     */
    public static void main(String[] args) throws InterruptedException {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("Unexpected argument '" + args[i] + "'");
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        ModelServerSettings settings = new ModelServerSettings(required(options, "model"),
                options.getOrDefault("version", "1"), Path.of(required(options, "model-file")),
                options.getOrDefault("host", "127.0.0.1"), Integer.parseInt(options.getOrDefault("port", "0")),
                Integer.parseInt(options.getOrDefault("warmup", "200")),
                Optional.ofNullable(options.get("port-file")).map(Path::of),
                Long.parseLong(options.getOrDefault("parent-pid", "-1")));
        ModelServer server = start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "model-server-shutdown"));
        if (settings.parentPid() > 0) {
            // Started by a gateway: ends with it, so a killed platform leaves no orphaned model servers.
            ProcessHandle.of(settings.parentPid()).ifPresentOrElse(
                    parent -> parent.onExit().thenRun(() -> System.exit(0)), () -> System.exit(0));
        }
        stopped.await();
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("Missing --" + name);
        }
        return value;
    }
}
