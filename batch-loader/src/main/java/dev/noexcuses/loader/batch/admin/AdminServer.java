package dev.noexcuses.loader.batch.admin;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import com.linecorp.armeria.server.healthcheck.HealthChecker;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The loader's small HTTP side door: {@code /healthz} (the loop runs), {@code /readyz} (tables
 * open, partitions restored), {@code /status} (JSON) and Prometheus {@code /metrics}.
 */
public final class AdminServer implements AutoCloseable {
    private static final MediaType PROMETHEUS_TEXT = MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

    private final Server server;

    private AdminServer(Server server) {
        this.server = server;
    }

    public static AdminServer start(String host, int port, BooleanSupplier healthy, BooleanSupplier ready,
                                    Supplier<String> statusJson, PrometheusMeterRegistry meters) {
        HealthChecker live = healthy::getAsBoolean;
        HealthChecker readiness = ready::getAsBoolean;
        Server server = Server.builder()
                .http(new InetSocketAddress(host, port))
                .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(1))
                .service("/healthz", HealthCheckService.builder().checkers(live).longPolling(Duration.ZERO).build())
                .service("/readyz", HealthCheckService.builder().checkers(readiness).longPolling(Duration.ZERO).build())
                .service("/status", (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, statusJson.get()))
                .service("/metrics", (ctx, req) -> HttpResponse.of(HttpStatus.OK, PROMETHEUS_TEXT, meters.scrape()))
                .build();
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
