package dev.noexcuses.common.admin;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.healthcheck.HealthCheckService;
import com.linecorp.armeria.server.healthcheck.HealthChecker;
import com.typesafe.config.Config;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A background service's small HTTP side door, the same for every one of them: {@code /healthz}
 * (alive), {@code /readyz} (doing its work), Prometheus {@code /metrics} and, where the service has
 * one, a JSON {@code /status}. With a token, every request must carry
 * {@code Authorization: Bearer <token>} (401 otherwise).
 */
public final class AdminServer implements AutoCloseable {
    private static final MediaType PROMETHEUS_TEXT = MediaType.parse("text/plain; version=0.0.4; charset=utf-8");

    private final Server server;

    private AdminServer(Server server) {
        this.server = server;
    }

    /** Where the admin server listens and the bearer token it asks for (blank: none). */
    public record Access(String host, int port, String token) {
        public Access {
            requireNonNull(host, "host is null");
            token = token == null ? "" : token;
        }

        /** The {@code host}, {@code port} and {@code token} keys of a service's {@code admin} block. */
        public static Access from(Config admin) {
            return new Access(admin.getString("host"), admin.getInt("port"),
                    admin.hasPath("token") ? admin.getString("token") : "");
        }
    }

    public static AdminServer start(Access access, BooleanSupplier healthy, BooleanSupplier ready,
                                    PrometheusMeterRegistry meters) {
        return start(access, healthy, ready, null, meters);
    }

    /** @param statusJson the body of {@code /status}, or null for a service without one */
    public static AdminServer start(Access access, BooleanSupplier healthy, BooleanSupplier ready,
                                    Supplier<String> statusJson, PrometheusMeterRegistry meters) {
        return start(access, healthy, ready, statusJson, meters, sb -> { });
    }

    /**
     * The same, with the service's own routes (e.g. a JSON API) added by {@code routes}, behind the same
     * address and token.
     */
    public static AdminServer start(Access access, BooleanSupplier healthy, BooleanSupplier ready,
                                    Supplier<String> statusJson, PrometheusMeterRegistry meters,
                                    Consumer<ServerBuilder> routes) {
        String host = access.host();
        int port = access.port();
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
        routes.accept(builder);
        if (!access.token().isEmpty()) {
            byte[] expected = ("Bearer " + access.token()).getBytes(StandardCharsets.UTF_8);
            builder.decorator((delegate, ctx, req) -> {
                String given = req.headers().get(HttpHeaderNames.AUTHORIZATION, "");
                // Compared in constant time, so the answer's timing does not reveal a prefix of the token.
                if (!MessageDigest.isEqual(expected, given.getBytes(StandardCharsets.UTF_8))) {
                    return HttpResponse.of(ResponseHeaders.builder(HttpStatus.UNAUTHORIZED)
                            .add(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer").build());
                }
                return delegate.serve(ctx, req);
            });
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
