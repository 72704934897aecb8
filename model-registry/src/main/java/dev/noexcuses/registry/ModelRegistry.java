package dev.noexcuses.registry;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import com.typesafe.config.Config;
import dev.noexcuses.common.security.Secrets;
import dev.noexcuses.registry.artifacts.ArtifactStore;
import dev.noexcuses.registry.auth.TokenAuthentication;
import dev.noexcuses.registry.http.MlflowApi;
import dev.noexcuses.registry.http.RegistryApi;
import dev.noexcuses.registry.http.RegistryErrors;
import dev.noexcuses.registry.models.ModelStore;
import dev.noexcuses.registry.store.RegistryDatabase;
import dev.noexcuses.registry.tracking.TrackingStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model registry as a service: its REST API ({@code /api/v1}) and MLflow's ({@code /api/2.0/mlflow})
 * behind bearer tokens, {@code /healthz} and {@code /metrics} open (loopback by default), state in
 * PostgreSQL and artifacts in S3.
 */
public final class ModelRegistry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

    private final Server server;
    private final RegistryDatabase db;
    private final ArtifactStore artifacts;

    private ModelRegistry(Server server, RegistryDatabase db, ArtifactStore artifacts) {
        this.server = server;
        this.db = db;
        this.artifacts = artifacts;
    }

    public static ModelRegistry start(Config config) {
        return start(config, Clock.systemUTC());
    }

    /** @param clock the time of every record (tests set it to place alias moves in the past) */
    public static ModelRegistry start(Config config, Clock clock) {
        requireNonNull(config, "config is null");
        requireNonNull(clock, "clock is null");
        RegistrySettings settings = RegistrySettings.from(config);
        refuseDefaultTokensOffLoopback(settings);
        Secrets.refuseDefaultsOffLoopback("model-registry", List.of(settings.host()), Map.of(
                "postgres.password", config.getString("postgres.password"), "s3.secret-key", config.getString("s3.secret-key")));
        RegistryDatabase db = RegistryDatabase.open(config);
        ArtifactStore artifacts = null;
        try {
            artifacts = ArtifactStore.open(config);
            TrackingStore tracking = new TrackingStore(db, artifacts::experimentArtifactUri, artifacts::runArtifactUri);
            ModelStore models = new ModelStore(db, tracking, settings.protectedAliases());
            PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            TokenAuthentication authentication = TokenAuthentication.of(settings.users());
            RegistryErrors errors = new RegistryErrors();
            Server server = Server.builder()
                    .http(new InetSocketAddress(settings.host(), settings.port()))
                    .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(2))
                    .maxRequestLength(settings.maxArtifactSize())
                    .requestTimeout(Duration.ofMinutes(2))
                    .service("/healthz", HealthCheckService.builder().longPolling(Duration.ZERO).build())
                    .service("/metrics", (ctx, req) -> HttpResponse.of(HttpStatus.OK,
                            MediaType.parse("text/plain; version=0.0.4; charset=utf-8"), meters.scrape()))
                    .annotatedService().exceptionHandlers(errors).decorator(authentication)
                    .build(new RegistryApi(tracking, models, artifacts, clock, settings.maxPageSize()))
                    .annotatedService().exceptionHandlers(errors).decorator(authentication)
                    .build(new MlflowApi(tracking, models, clock, settings.maxPageSize()))
                    .build();
            server.start().join();
            LOG.info("Model registry listening on http://{}:{}", settings.host(), server.activeLocalPort());
            return new ModelRegistry(server, db, artifacts);
        } catch (RuntimeException e) {
            if (artifacts != null) {
                artifacts.close();
            }
            db.close();
            throw e;
        }
    }

    /** The shipped tokens are public (they are in reference.conf): only a registry on loopback accepts them. */
    private static void refuseDefaultTokensOffLoopback(RegistrySettings settings) {
        if (Secrets.isLoopback(settings.host())) {
            return;
        }
        List<String> defaults = settings.users().stream().filter(u -> u.token().startsWith("local-dev-"))
                .map(TokenAuthentication.User::name).toList();
        if (!defaults.isEmpty()) {
            throw new IllegalStateException("model-registry refuses to start: it listens on " + settings.host()
                    + ", not only on loopback, while users " + defaults + " still have their public default tokens. "
                    + "Set model-registry.users with your own tokens (see docs/models.md), or bind 127.0.0.1.");
        }
    }

    public int port() {
        return server.activeLocalPort();
    }

    /** The base URL clients use, e.g. {@code http://localhost:8096}. */
    public String url() {
        return "http://localhost:" + port();
    }

    public boolean isHealthy() {
        return !server.isClosing() && !server.isClosed();
    }

    @Override
    public void close() {
        server.stop().join();
        artifacts.close();
        db.close();
    }
}
