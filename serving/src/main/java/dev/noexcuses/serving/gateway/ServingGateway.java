package dev.noexcuses.serving.gateway;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.client.ClientFactory;
import com.linecorp.armeria.client.WebClient;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import com.typesafe.config.Config;
import dev.noexcuses.common.security.Secrets;
import dev.noexcuses.serving.experiments.ExperimentApi;
import dev.noexcuses.serving.experiments.ExperimentController;
import dev.noexcuses.serving.features.FeaturesByUserKey;
import dev.noexcuses.serving.instances.ModelServerInstance;
import dev.noexcuses.serving.instances.ModelServerLauncher;
import dev.noexcuses.serving.rollout.RolloutController;
import dev.noexcuses.serving.rollout.RolloutStore;
import dev.noexcuses.serving.rollout.ServingDatabase;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving gateway, running: clients call {@code POST /v1/models/{name}/predict} here only; the
 * gateway sends each request to a model server by the model's traffic split, which its rollout
 * controller changes step by step. Control API under {@code /api}, {@code /healthz}, {@code /readyz},
 * {@code /metrics}. {@link #start(Config)} restores every model's traffic and resumes rollouts.
 */
public final class ServingGateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServingGateway.class);
    private static final MediaType PROMETHEUS_TEXT = MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

    private final Server server;
    private final ServingDatabase db;
    private final RolloutController controller;
    private final RolloutApi api;
    private final ClientFactory clients;
    private final PrometheusMeterRegistry meters;
    private final ExperimentController experiments;
    private final ExperimentApi experimentApi;

    private ServingGateway(Server server, ServingDatabase db, RolloutController controller, RolloutApi api,
                           ClientFactory clients, PrometheusMeterRegistry meters, ExperimentController experiments,
                           ExperimentApi experimentApi) {
        this.experiments = experiments;
        this.experimentApi = experimentApi;
        this.server = server;
        this.db = db;
        this.controller = controller;
        this.api = api;
        this.clients = clients;
        this.meters = meters;
    }

    /** Starts the gateway with the {@code serving.*} and {@code postgres.*} settings of {@code config}. */
    public static ServingGateway start(Config config) {
        requireNonNull(config, "config is null");
        Config g = config.getConfig("serving.gateway");
        Config ms = config.getConfig("serving.model-server");
        Secrets.refuseDefaultsOffLoopback("serving-gateway", List.of(g.getString("host")),
                Map.of("postgres.password", config.getString("postgres.password")));
        Secrets.refuseNoTokenOffLoopback("serving-gateway", g.getString("host"), "serving.gateway.token",
                g.getString("token"), "start, promote and roll back releases");
        ServingDatabase db = ServingDatabase.open(config);
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(meters);
        // To model servers: HTTP/1.1 keep-alive connections, as many as requests in flight, spread over every
        // event loop. One multiplexed HTTP/2 connection per server would put all of a model server's
        // predictions on one of its event loops (they run there), one after the other.
        boolean http1 = !g.getString("upstream-protocol").equalsIgnoreCase("http2");
        var clientsBuilder = ClientFactory.builder()
                .connectTimeout(Duration.ofSeconds(2))
                .preferHttp1(http1)
                .meterRegistry(meters);
        if (g.getString("upstream-event-loop").equalsIgnoreCase("caller")) {
            clientsBuilder.eventLoopSchedulerFactory(CallerEventLoopScheduler::new);
        } else {
            clientsBuilder.maxNumEventLoopsPerHttp1Endpoint(com.linecorp.armeria.common.Flags.numCommonWorkers());
        }
        ClientFactory clients = clientsBuilder.build();
        WebClient client = WebClient.builder().factory(clients).responseTimeout(g.getDuration("request-timeout"))
                .maxResponseLength(1 << 20).build();
        TrafficTable table = new TrafficTable();
        ModelServerLauncher launcher = new ModelServerLauncher(Path.of(ms.getString("work-dir")),
                ms.getStringList("jvm-options"), ms.getInt("warmup-predictions"), ms.getDuration("start-timeout"));
        RolloutController controller = new RolloutController(config, new RolloutStore(db), table, launcher, client);
        RolloutApi api = new RolloutApi(controller, table);
        ExperimentController experiments = null;
        ExperimentApi experimentApi = null;
        try {
            controller.resume();
            experiments = ExperimentController.open(config, controller, table);
            experiments.resume();
            experimentApi = new ExperimentApi(experiments);
            ServerBuilder sb = Server.builder()
                    .http(new InetSocketAddress(g.getString("host"), g.getInt("port")))
                    .requestTimeout(g.getDuration("request-timeout"))
                    .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(2))
                    .meterRegistry(meters)
                    .service("/v1/models/{name}/predict", new PredictRouter(table, client, meters, experiments.routing()))
                    // A request with a user key gets its features from the online feature store before routing.
                    .decorator("/v1/models/{name}/predict", FeaturesByUserKey.from(config, client)
                            .decorator(model -> table.split(model).map(ServingGateway::reachable).orElse(List.of())))
                    .service("/healthz", HealthCheckService.of())
                    .service("/readyz", HealthCheckService.of())
                    .service("/metrics", (ctx, req) -> HttpResponse.of(HttpStatus.OK, PROMETHEUS_TEXT, meters.scrape()));
            String token = g.getString("token");
            if (!token.isEmpty()) {
                byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
                sb.decorator("prefix:/api/", (delegate, ctx, req) -> {
                    String given = req.headers().get(HttpHeaderNames.AUTHORIZATION, "");
                    if (!MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
                        return HttpResponse.of(ResponseHeaders.builder(HttpStatus.UNAUTHORIZED)
                                .add(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer").build());
                    }
                    return delegate.serve(ctx, req);
                });
            }
            api.addTo(sb);
            experimentApi.addTo(sb);
            Server server = sb.build();
            server.start().join();
            ServingGateway gateway = new ServingGateway(server, db, controller, api, clients, meters, experiments,
                    experimentApi);
            LOG.info("Serving gateway listening on port {}", gateway.port());
            return gateway;
        } catch (RuntimeException e) {
            if (experimentApi != null) {
                experimentApi.close();
            }
            if (experiments != null) {
                experiments.close();
            }
            controller.close(true);
            api.close();
            db.close();
            throw e;
        }
    }

    /** Every model server a request of the split can reach: stable, candidate and shadow. */
    private static List<ModelServerInstance> reachable(TrafficSplit split) {
        List<ModelServerInstance> all = new java.util.ArrayList<>(split.stable());
        all.addAll(split.candidate());
        split.shadow().ifPresent(mirror -> all.addAll(mirror.instances()));
        return all;
    }

    public int port() {
        return server.activeLocalPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public boolean isHealthy() {
        return !server.isClosing() && !server.isClosed();
    }

    /**
     * Stops the gateway but leaves its model servers running, as a crash would: the next gateway on
     * the same database takes them over.
     */
    public void closeLeavingModelServers() {
        stop(false);
    }

    private void stop(boolean stopModelServers) {
        server.stop().join();
        experimentApi.close();
        experiments.close();
        controller.close(stopModelServers);
        api.close();
        clients.close();
        db.close();
        meters.close();
    }

    @Override
    public void close() {
        stop(true);
        LOG.info("Serving gateway stopped");
    }
}
