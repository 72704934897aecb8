package dev.noexcuses.platform.runtime;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import dev.noexcuses.common.security.Secrets;
import dev.noexcuses.enricher.geo.DbipLiteDownload;
import dev.noexcuses.enricher.geo.GeoDatabaseFiles;
import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.infra.trino.MissingTrino;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole platform in this process: the infrastructure from {@code local-infra} (embedded or
 * external), then every service in data-path order. Closing it stops everything in reverse.
 */
public final class PlatformRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PlatformRuntime.class);

    private final LocalInfra infra;
    private final Config serviceConfig;
    private final Path dataDir;
    private final List<RunningService> services = new ArrayList<>();
    private volatile boolean closed;
    /** Services not started yet; background components (Trino) are listed as starting, not pending. */
    private List<String> pending = List.of();

    private PlatformRuntime(LocalInfra infra, Config serviceConfig, Path dataDir) {
        this.infra = infra;
        this.serviceConfig = serviceConfig;
        this.dataDir = dataDir;
    }

    /** Starts infrastructure and services, reporting each step on {@code progress}. */
    public static PlatformRuntime start(Config config, Path dataDir, PrintStream progress) {
        requireNonNull(config, "config is null");
        progress.println("Starting infrastructure (data in " + dataDir.toAbsolutePath().normalize() + ")");
        LocalInfra infra = LocalInfra.forPlatform(config, dataDir);
        List<String> services = ServiceFactory.ALL.stream().map(ServiceFactory::name).toList();
        // Commands run meanwhile (status, lake, verify) find a platform that is starting, not none.
        List<String> pending = new ArrayList<>(infra.enabledComponents());
        pending.addAll(services);
        writeState(infra.dataDir(), List.of(), Map.of(), pending);
        try {
            infra.start();
        } catch (RuntimeException e) {
            RuntimeState.delete(infra.dataDir());
            throw e;
        }
        for (InfraComponent c : infra.components()) {
            progress.printf("  %-16s %s %s%n", c.name(), c.embedded() ? "embedded" : "external",
                    Secrets.masked(c.connectionDetails()));
        }
        PlatformRuntime runtime = new PlatformRuntime(infra, withShippedFiles(infra.serviceConfig(config)),
                infra.dataDir());
        try {
            runtime.writeState(services);
            runtime.startInBackground(progress);
            fetchGeoDatabase(runtime.serviceConfig, progress);
            progress.println("Starting services");
            for (int i = 0; i < ServiceFactory.ALL.size(); i++) {
                ServiceFactory factory = ServiceFactory.ALL.get(i);
                runtime.startService(factory.name(), factory.starter(), progress);
                runtime.writeState(services.subList(i + 1, services.size()));
            }
            if (runtime.serviceConfig.getBoolean("console.enabled")) {
                List<RunningService> started = runtime.services();
                runtime.startService("console", c -> new ConsoleService(c, started), progress);
            }
            runtime.writeState(List.of());
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
        }
        return runtime;
    }

    /**
     * The enricher's GeoIP database, fetched now when it has to be downloaded, so the download shows
     * its progress here; offline, the enricher runs without it and this says why.
     */
    private static void fetchGeoDatabase(Config config, PrintStream progress) {
        Config geoip = config.getConfig("enricher.enrichments.geoip");
        try {
            if (GeoDatabaseFiles.needsDownload(geoip)) {
                GeoDatabaseFiles.resolve(geoip, line -> progress.println("  " + line));
            }
        } catch (DbipLiteDownload.UnavailableException e) {
            progress.println("  " + e.getMessage() + ".");
            progress.println("  " + GeoDatabaseFiles.offlineAdvice() + ".");
        } catch (IOException e) {
            progress.println("  Cannot keep the GeoIP database in " + geoip.getString("download.directory") + ": "
                    + e.getMessage());
        }
    }

    /** Files the platform ships (the schema registry) are found from its home, whatever the working directory. */
    public static Config withShippedFiles(Config config) {
        Path home = Path.of(config.getString("platform.home"));
        Map<String, String> resolved = new java.util.LinkedHashMap<>();
        for (String key : List.of("enricher.registry.location", "enrichment-api.schemas-directory")) {
            if (!config.hasPath(key)) {
                continue;
            }
            String value = config.getString(key);
            if (!value.contains("://") && !Path.of(value).isAbsolute()) {
                resolved.put(key, home.resolve(value).toAbsolutePath().normalize().toString());
            }
        }
        return com.typesafe.config.ConfigFactory.parseMap(resolved).withFallback(config);
    }

    /**
     * Starts the slow components (Trino) while the services come up; each is announced, and recorded in
     * {@code platform.json}, when it is ready. Services do not use them, so nothing waits for them.
     */
    private void startInBackground(PrintStream progress) {
        for (String name : infra.backgroundComponents()) {
            try {
                infra.startInBackground(name).whenComplete((c, failure) -> {
                    if (closed) {
                        return;
                    }
                    if (failure != null) {
                        LOG.error("{}", failure.getMessage());
                        progress.printf("  %-16s did not start: %s%n", name, failure.getMessage());
                    } else if (c instanceof MissingTrino missing) {
                        progress.printf("  %-16s NOT STARTED: %s%n  %-16s %s%n", name, missing.missing(), "", missing.fix());
                    } else {
                        progress.printf("  %-16s ready (%s) %s%n", name, c.embedded() ? "embedded" : "external",
                                c.connectionDetails());
                    }
                    writeState();
                });
            } catch (RuntimeException e) {
                LOG.error("Cannot start {}: {}", name, e.getMessage(), e);
                progress.printf("  %-16s did not start: %s%n", name, e.getMessage());
            }
        }
        for (InfraComponent c : infra.startingComponents()) {
            progress.printf("  %-16s starting in the background (%s)%n", c.name(), c.connectionDetails());
        }
    }

    private void startService(String name, Function<Config, RunningService> starter, PrintStream progress) {
        long t0 = System.nanoTime();
        RunningService service = starter.apply(serviceConfig);
        services.add(service);
        progress.printf("  %-16s ready in %d ms %s%n", name, (System.nanoTime() - t0) / 1_000_000,
                service.endpoints());
    }

    /** Records the services still to start ({@code pending}) with what runs now. */
    private synchronized void writeState(List<String> pending) {
        this.pending = List.copyOf(pending);
        writeState();
    }

    private synchronized void writeState() {
        if (closed) {
            return;
        }
        List<RuntimeState.Component> components = new ArrayList<>();
        for (InfraComponent c : infra.components()) {
            components.add(new RuntimeState.Component(c.name(), "infrastructure", c.embedded(), null, "",
                    c.connectionDetails()));
        }
        for (InfraComponent c : infra.startingComponents()) {
            Map<String, String> endpoints = new java.util.LinkedHashMap<>(c.connectionDetails());
            endpoints.put("state", "starting");
            components.add(new RuntimeState.Component(c.name(), "infrastructure", c.embedded(), null, "", endpoints));
        }
        for (RunningService s : services) {
            components.add(new RuntimeState.Component(s.name(), "service", true, s.healthUrl(), s.healthToken(),
                    s.endpoints()));
        }
        writeState(dataDir, components, infra.serviceOverrides(), pending);
    }

    private static void writeState(Path dataDir, List<RuntimeState.Component> components,
                                   Map<String, String> serviceConfig, List<String> pending) {
        try {
            new RuntimeState(ProcessHandle.current().pid(),
                    ProcessHandle.current().info().startInstant().orElse(Instant.now()), components, serviceConfig,
                    pending)
                    .write(dataDir);
        } catch (IOException e) {
            LOG.warn("Cannot write {}: {}", RuntimeState.FILE, e.toString());
        }
    }

    public Config serviceConfig() {
        return serviceConfig;
    }

    public LocalInfra infra() {
        return infra;
    }

    public List<RunningService> services() {
        return List.copyOf(services);
    }

    public <T extends RunningService> T service(Class<T> type) {
        return services.stream().filter(type::isInstance).map(type::cast).findFirst()
                .orElseThrow(() -> new IllegalStateException(type.getSimpleName() + " is not running"));
    }

    /** The console's URL, when it runs. */
    public java.util.Optional<String> consoleUrl() {
        return services.stream().filter(ConsoleService.class::isInstance).map(s -> ((ConsoleService) s).url()).findFirst();
    }

    /** The collector's base URL, for producers. */
    public String collectorUrl() {
        return "http://localhost:" + service(CollectorService.class).port();
    }

    public Map<String, String> connectionDetails() {
        Map<String, String> details = new java.util.LinkedHashMap<>();
        infra.components().forEach(c -> c.connectionDetails().forEach((k, v) -> details.put(c.name() + "." + k, v)));
        return details;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = services.size() - 1; i >= 0; i--) {
            RunningService s = services.get(i);
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.warn("Error stopping {}: {}", s.name(), e.toString());
            }
        }
        infra.close();
        RuntimeState.delete(dataDir);
    }
}
