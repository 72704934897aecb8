package dev.noexcuses.console;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.Server;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.file.FileService;
import com.linecorp.armeria.server.file.HttpFile;
import com.typesafe.config.Config;
import dev.noexcuses.console.alerts.AlertsPageApi;
import dev.noexcuses.console.ab.AbTestsPageApi;
import dev.noexcuses.console.rollouts.RolloutsPageApi;
import dev.noexcuses.console.auth.AccessControl;
import dev.noexcuses.console.auth.ConsoleUser;
import dev.noexcuses.console.auth.PasswordHash;
import dev.noexcuses.console.auth.SessionStore;
import dev.noexcuses.console.failed.FailedEventsApi;
import dev.noexcuses.console.lake.LakeApi;
import dev.noexcuses.console.live.LiveApi;
import dev.noexcuses.console.models.RegistryPagesApi;
import dev.noexcuses.console.pipeline.FlowSampler;
import dev.noexcuses.console.runs.RunsApi;
import dev.noexcuses.console.sql.BatchAnalyticsApi;
import dev.noexcuses.console.pipeline.PipelineApi;
import dev.noexcuses.console.search.SearchClient;
import dev.noexcuses.console.shop.ShopSite;
import dev.noexcuses.console.web.JsonResponses;
import dev.noexcuses.console.web.ServiceProxy;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console: static pages and the JSON APIs behind them, on one Armeria server. Every route is
 * behind {@link AccessControl}. {@link #start(Config)} starts it; {@link #close()} stops it.
 */
public final class ConsoleServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);
    /** The pages, in the order of the navigation bar. */
    static final List<String> PAGES = List.of("pipeline", "live", "failed", "lake", "batch", "runs", "alerts", "experiments",
            "models", "rollouts", "ab");
    /** The password of the default user in reference.conf: allowed only while the console listens on loopback. */
    static final String DEFAULT_PASSWORD = "admin";
    private static final String STATIC = "console/static";
    private static final String ECHARTS = "META-INF/resources/_static/echarts/5.6.0/dist";

    private final Server server;
    private final List<AutoCloseable> resources;

    private ConsoleServer(Server server, List<AutoCloseable> resources) {
        this.server = server;
        this.resources = resources;
    }

    public static ConsoleServer start(Config config) {
        requireNonNull(config, "config is null");
        ConsoleSettings settings = ConsoleSettings.from(config);
        refuseDefaultPasswordOffLoopback(settings);
        Clock clock = Clock.systemUTC();
        List<AutoCloseable> resources = new ArrayList<>();
        Optional<SearchClient> search = SearchClient.fromConfig(config);
        FlowSampler flow = new FlowSampler(config, settings.consumerGroups(), settings.latencyMetricsUrl(),
                settings.latencyMetricsToken(), settings.sampleInterval(), clock);
        resources.add(flow);
        LakeApi lake = new LakeApi(config);
        resources.add(lake);
        RunsApi runs = new RunsApi(config);
        resources.add(runs);
        try {
            ClassLoader loader = ConsoleServer.class.getClassLoader();
            ServiceProxy gateway = new ServiceProxy("The serving gateway", config.getString("console.serving.url"),
                    config.getString("console.serving.token"), "serving.gateway.enabled", "console.serving.url",
                    Duration.ofSeconds(30));
            ServerBuilder sb = Server.builder()
                    .http(new InetSocketAddress(settings.host(), settings.port()))
                    .gracefulShutdownTimeout(Duration.ZERO, Duration.ofSeconds(2))
                    .requestTimeout(Duration.ofSeconds(60))
                    .errorHandler((ctx, cause) -> {
                        LOG.warn("{} {} failed", ctx.method(), ctx.path(), cause);
                        return JsonResponses.error(HttpStatus.INTERNAL_SERVER_ERROR, String.valueOf(cause.getMessage()));
                    })
                    .service("/", (ctx, req) -> HttpResponse.ofRedirect(HttpStatus.FOUND, "/pipeline"))
                    .service("/healthz", (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.PLAIN_TEXT_UTF_8, "ok"))
                    .service("/login", HttpFile.of(loader, STATIC + "/login.html").asService())
                    .service("/login/submit", notFound())
                    .service("/logout", notFound())
                    .serviceUnder("/static/", FileService.of(loader, STATIC))
                    .serviceUnder("/vendor/echarts/", FileService.of(loader, ECHARTS))
                    .service("/api/session", (ctx, req) -> {
                        var session = AccessControl.session(ctx);
                        return JsonResponses.ok(JsonResponses.object().put("user", session.user())
                                .put("csrf_token", session.csrfToken()));
                    })
                    .annotatedService(new PipelineApi(settings.components(), settings.adminToken(), flow, search,
                            settings.trinoJdbcUrl(), settings.verifyReport()))
                    .annotatedService(new LiveApi(search, settings.enrichedIndices()))
                    .annotatedService(new FailedEventsApi(search, settings.failedIndices(), config))
                    .annotatedService(lake)
                    .annotatedService(new BatchAnalyticsApi(settings.trinoJdbcUrl(), settings.trinoUser()))
                    .annotatedService(runs)
                    .annotatedService(new AlertsPageApi(new ServiceProxy("Alerting", config.getString("console.alerting.url"),
                            config.getString("admin.token"), "alerting.enabled", "console.alerting.url", Duration.ofSeconds(20))))
                    .serviceUnder(RegistryPagesApi.PREFIX, new RegistryPagesApi(new ServiceProxy("The model registry",
                            config.getString("console.model-registry.url"), config.getString("console.model-registry.token"),
                            "model-registry.enabled", "console.model-registry.url", Duration.ofSeconds(30))))
                    .annotatedService(new RolloutsPageApi(gateway))
                    .annotatedService(new AbTestsPageApi(gateway));
            ShopSite shop = new ShopSite(ShopSite.Settings.from(config));
            shop.addTo(sb);
            for (String page : PAGES) {
                sb.service("/" + page, HttpFile.of(loader, STATIC + "/" + page + ".html").asService());
            }
            sb.decorator(new AccessControl(settings.users(), new SessionStore(settings.sessionIdleTimeout(), clock),
                    settings.secureCookie(), clock));
            sb.decorator((delegate, ctx, req) -> {
                // Nothing is loaded from elsewhere; ECharts sets inline styles on its tooltips.
                ctx.addAdditionalResponseHeader("Content-Security-Policy", ctx.path().startsWith(ShopSite.PREFIX)
                        ? shop.contentSecurityPolicy() : "default-src 'self'; "
                        + "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'");
                ctx.addAdditionalResponseHeader("X-Content-Type-Options", "nosniff");
                ctx.addAdditionalResponseHeader("Referrer-Policy", "no-referrer");
                ctx.addAdditionalResponseHeader("Cache-Control", "no-store");
                return delegate.serve(ctx, req);
            });
            Server server = sb.build();
            server.start().join();
            LOG.info("Console listening on http://{}:{}", settings.host(), server.activeLocalPort());
            return new ConsoleServer(server, resources);
        } catch (RuntimeException e) {
            closeAll(resources);
            throw e;
        }
    }

    /** Default credentials are for a console only this machine can reach, as for every other secret. */
    private static void refuseDefaultPasswordOffLoopback(ConsoleSettings settings) {
        if (settings.loopbackOnly()) {
            return;
        }
        for (ConsoleUser user : settings.users()) {
            if (PasswordHash.matches(DEFAULT_PASSWORD.toCharArray(), user.passwordHash())) {
                throw new IllegalStateException("console.host is " + settings.host() + " (reachable from other "
                        + "machines) but console user '" + user.name() + "' still has the default password: set "
                        + "console.users with your own hash (./platform console-password) or bind console.host to 127.0.0.1");
            }
        }
    }

    private static HttpService notFound() {
        return (ctx, req) -> HttpResponse.of(HttpStatus.NOT_FOUND);
    }

    public int port() {
        return server.activeLocalPort();
    }

    public String url() {
        return "http://localhost:" + port();
    }

    @Override
    public void close() {
        server.stop().join();
        closeAll(resources);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.warn("Error closing {}: {}", r, e.toString());
            }
        }
    }
}
