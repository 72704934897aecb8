package dev.noexcuses.infra.trino;

import com.typesafe.config.Config;
import dev.noexcuses.infra.ComponentFactory;
import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.Ports;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Trino: the configured cluster ({@code trino.url}), else a real embedded server on a JDK 24+ found on this
 * machine, else a {@link MissingTrino} that says what to install. Needs the lake's PostgreSQL and S3.
 */
public final class TrinoFactory implements ComponentFactory {
    /** Trino 476 is built for Java 24. */
    static final int MINIMUM_JAVA = 24;

    private final Map<String, String> environment;

    public TrinoFactory() {
        this(System.getenv());
    }

    TrinoFactory(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    @Override
    public String name() {
        return "trino";
    }

    @Override
    public List<String> needs() {
        return List.of("postgres", "s3");
    }

    @Override
    public boolean startsInBackground() {
        return true;
    }

    @Override
    public InfraComponent create(Config config, Path dataDir, Ports ports) {
        if (!config.getString("trino.url").isBlank()) {
            return new ExternalTrino(TrinoAccess.from(config));
        }
        Config c = config.getConfig("local-infra.trino");
        JdkFinder finder = new JdkFinder(MINIMUM_JAVA, expandHome(c.getString("java-home")),
                environment.getOrDefault("JAVA_HOME", ""),
                c.getStringList("jdk-search-paths").stream().map(TrinoFactory::expandHome).map(Path::of).toList());
        Optional<JdkFinder.Jdk> jdk = finder.find();
        if (jdk.isEmpty()) {
            return new MissingTrino("no JDK " + MINIMUM_JAVA + " or newer found (Trino needs one; looked at: "
                    + String.join("; ", finder.looked()) + ")",
                    "Install a JDK 24 or newer (e.g. Eclipse Temurin 25 into /usr/lib/jvm) and start again, or point "
                            + "local-infra.trino.java-home (env TRINO_JAVA_HOME) at one; or use a Trino cluster: set trino.url");
        }
        TrinoDistribution distribution = TrinoDistribution.locate(c.getString("server-archive"),
                c.getString("iceberg-plugin-archive"));
        String installDir = c.getString("install-dir").isBlank()
                ? System.getProperty("user.home") + "/.cache/noexcuses/trino-" + distribution.version()
                : expandHome(c.getString("install-dir"));
        return new EmbeddedTrino(distribution, Path.of(installDir), jdk.get(), dataDir.resolve("trino"),
                config.getString("local-infra.host"), ports.port("local-infra.trino.port"),
                c.getMemorySize("heap").toBytes(), c.getDuration("start-timeout"), lakeCatalog(config),
                config.getString("trino.user"), config.getString("trino.catalog"));
    }

    /** The Iceberg connector over the platform's JDBC catalog (postgres.*) and warehouse (s3.*), native S3. */
    static Map<String, String> lakeCatalog(Config config) {
        // Blank until PostgreSQL has started; the server refuses to start without it (EmbeddedTrino.start).
        String jdbcUrl = config.getString("postgres.jdbc-url");
        Config lake = config.getConfig("local-infra.trino.lake");
        Map<String, String> p = new LinkedHashMap<>();
        p.put("connector.name", "iceberg");
        p.put("iceberg.catalog.type", "jdbc");
        p.put("iceberg.jdbc-catalog.driver-class", "org.postgresql.Driver");
        p.put("iceberg.jdbc-catalog.connection-url", jdbcUrl);
        p.put("iceberg.jdbc-catalog.connection-user", config.getString("postgres.user"));
        p.put("iceberg.jdbc-catalog.connection-password", config.getString("postgres.password"));
        p.put("iceberg.jdbc-catalog.catalog-name", lake.getString("catalog-name"));
        p.put("iceberg.jdbc-catalog.default-warehouse-dir", "s3://" + config.getString("s3.bucket") + "/"
                + lake.getString("warehouse-path"));
        p.put("fs.native-s3.enabled", "true");
        String endpoint = config.getString("s3.endpoint");
        if (!endpoint.isBlank()) {
            p.put("s3.endpoint", endpoint);
        }
        p.put("s3.region", config.getString("s3.region"));
        p.put("s3.path-style-access", String.valueOf(config.getBoolean("s3.path-style-access")));
        if (!config.getString("s3.access-key").isBlank()) {
            p.put("s3.aws-access-key", config.getString("s3.access-key"));
            p.put("s3.aws-secret-key", config.getString("s3.secret-key"));
        }
        return p;
    }

    private static String expandHome(String path) {
        return path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path;
    }
}
