package dev.noexcuses.common.admin;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import com.linecorp.armeria.server.healthcheck.HealthChecker;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A background service's small HTTP side door, the same for every one of them: {@code /healthz}
 * (alive), {@code /readyz} (doing its work), Prometheus {@code /metrics} and, where the service has
 * one, a JSON {@code /status}.
 */
public final class AdminServer implements AutoCloseable {
    private static final MediaType PROMETHEUS_TEXT = MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

    private final Server server;

    private AdminServer(Server server) {
        this.server = server;
    }

    public static AdminServer start(String host, int port, BooleanSupplier healthy, BooleanSupplier ready,
                                    PrometheusMeterRegistry meters) {
        return start(host, port, healthy, ready, null, meters);
    }

    /** @param statusJson the body of {@code /status}, or null for a service without one */
    public static AdminServer start(String host, int port, BooleanSupplier healthy, BooleanSupplier ready,
                                    Supplier<String> statusJson, PrometheusMeterRegistry meters) {
        HealthChecker live = healthy::getAsBoolean;
        HealthChecker readiness = ready::getAsBoolean;
        ServerBuilder builder = Server.builder()
                .http(new InetSocketAddress(host, port))
                .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(1))
                .service("/healthz", HealthCheckService.builder().checkers(live).longPolling(Duration.ZERO).build())
                .service("/readyz", HealthCheckService.builder().checkers(readiness).longPolling(Duration.ZERO).build())
                .service("/metrics", (ctx, req) -> HttpResponse.of(HttpStatus.OK, PROMETHEUS_TEXT, meters.scrape()));
        if (statusJson != null) {
            builder.service("/status", (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8,
                    statusJson.get()));
        }
        Server server = builder.build();
        server.start().join();
        return new AdminServer(server);
    }

    public int port() {
        return server.activeLocalPort();
    }

    @Override
    public void close() {
        server.stop().join();
    }
}
