package dev.noexcuses.alerting;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import dev.noexcuses.alerting.api.AlertsApi;
import dev.noexcuses.alerting.notify.LogChannel;
import dev.noexcuses.alerting.notify.NotificationChannel;
import dev.noexcuses.alerting.notify.WebhookChannel;
import dev.noexcuses.alerting.search.RuleQueries;
import dev.noexcuses.alerting.search.SearchCluster;
import dev.noexcuses.alerting.state.AlertDatabase;
import dev.noexcuses.alerting.state.AlertStore;
import dev.noexcuses.common.admin.AdminServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Alerting as a service: the evaluator on a schedule ({@code alerting.interval}), its state in the
 * platform's PostgreSQL, and the platform's admin server ({@code /healthz}, {@code /readyz},
 * {@code /metrics}) with the JSON API of {@link AlertsApi} beside them.
 */
public final class Alerting implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Alerting.class);

    private final AlertDatabase db;
    private final AlertEvaluator evaluator;
    private final ScheduledExecutorService schedule;
    private final AdminServer http;

    private Alerting(AlertDatabase db, AlertEvaluator evaluator, ScheduledExecutorService schedule, AdminServer http) {
        this.db = db;
        this.evaluator = evaluator;
        this.schedule = schedule;
        this.http = http;
    }

    public static Alerting start(Config config) {
        return start(config, Clock.systemUTC(), true);
    }

    /**
     * @param clock    the evaluations' time (tests move it forward)
     * @param schedule whether to evaluate every {@code alerting.interval}; without, only {@link #evaluate()} does
     */
    public static Alerting start(Config config, Clock clock, boolean schedule) {
        requireNonNull(config, "config is null");
        requireNonNull(clock, "clock is null");
        AlertingSettings settings = AlertingSettings.from(config);
        SearchCluster cluster = SearchCluster.fromConfig(config);
        AlertDatabase db = AlertDatabase.open(config);
        try {
            AlertStore store = new AlertStore(db);
            List<NotificationChannel> channels = new ArrayList<>();
            if (settings.logNotifications()) {
                channels.add(new LogChannel());
            }
            for (WebhookChannel.Target target : settings.webhooks()) {
                channels.add(new WebhookChannel(target, settings.retries(), settings.initialBackoff(),
                        settings.maxBackoff(), settings.requestTimeout(), clock));
            }
            AlertEvaluator evaluator = new AlertEvaluator(settings.rules(),
                    new RuleQueries(cluster, settings.enrichedIndices(), settings.failedIndices()), store, channels,
                    settings.giveUpAfter(), clock);
            PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Counter evaluations = Counter.builder("alerting_evaluations_total").register(meters);
            Gauge.builder("alerting_firing_alerts", store, s -> s.states().stream()
                    .filter(a -> a.state().equals("firing")).count()).register(meters);
            ScheduledExecutorService executor = null;
            if (schedule) {
                executor = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "alerting-evaluator");
                    t.setDaemon(true);
                    return t;
                });
                long every = settings.interval().toMillis();
                executor.scheduleWithFixedDelay(() -> {
                    try {
                        evaluator.evaluate();
                        evaluations.increment();
                    } catch (RuntimeException e) {
                        LOG.warn("Alert evaluation failed: {}", e.getMessage(), e);
                    }
                }, Math.min(every, 10_000), every, TimeUnit.MILLISECONDS);
            }
            AlertsApi api = new AlertsApi(evaluator, store, clock);
            ScheduledExecutorService running = executor;
            BooleanSupplier healthy = () -> running == null || !running.isShutdown();
            AdminServer http = settings.http().port() < 0 ? null
                    : AdminServer.start(settings.http(), healthy, healthy, null, meters, sb -> sb.annotatedService(api));
            return new Alerting(db, evaluator, executor, http);
        } catch (RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** Evaluates every rule now (by the clock given at start) and delivers pending notifications. */
    public AlertEvaluator.Evaluation evaluate() {
        return evaluator.evaluate();
    }

    /** The HTTP server's port, or -1 when it is off. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public boolean isHealthy() {
        return schedule == null || !schedule.isShutdown();
    }

    @Override
    public void close() {
        if (schedule != null) {
            schedule.shutdownNow();
            try {
                schedule.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (http != null) {
            http.close();
        }
        db.close();
    }
}
