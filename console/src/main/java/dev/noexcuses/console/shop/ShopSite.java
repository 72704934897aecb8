package dev.noexcuses.console.shop;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.server.ServerBuilder;
import com.linecorp.armeria.server.file.FileService;
import com.linecorp.armeria.server.file.HttpFile;
import com.typesafe.config.Config;
import dev.noexcuses.common.csv.CsvRows;
import dev.noexcuses.common.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The demo shop at {@code /shop/}: static pages instrumented with {@code tracker.js} (served from the
 * producers' copy), the product catalogue the platform enriches with, and {@code config.js} telling the
 * tracker where the collector is and which write key and source to use. Anyone may open it: it is a
 * shop, not the console. Its pages may post to the collector's origin (Content-Security-Policy).
 */
public final class ShopSite {
    public static final String PREFIX = "/shop/";
    private static final String STATIC = "console/shop";

    /** {@code console.shop.*}: the collector the shop's tracker posts to, with which write key and source. */
    public record Settings(boolean enabled, String collectorUrl, String writeKey, String source) {
        public Settings {
            requireNonNull(collectorUrl, "collectorUrl is null");
            requireNonNull(writeKey, "writeKey is null");
            requireNonNull(source, "source is null");
        }

        public static Settings from(Config config) {
            Config c = config.getConfig("console.shop");
            return new Settings(c.getBoolean("enabled"), c.getString("collector-url"), c.getString("write-key"),
                    c.getString("source"));
        }
    }

    private final Settings settings;

    public ShopSite(Settings settings) {
        this.settings = requireNonNull(settings, "settings is null");
    }

    public void addTo(ServerBuilder sb) {
        if (!settings.enabled()) {
            return;
        }
        ClassLoader loader = ShopSite.class.getClassLoader();
        byte[] config = configScript();
        byte[] products = productsJson();
        sb.service("/shop", (ctx, req) -> HttpResponse.ofRedirect(HttpStatus.FOUND, PREFIX))
                .service(PREFIX + "tracker.js", HttpFile.of(loader, "tracker/tracker.js").asService())
                .service(PREFIX + "config.js", (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JAVASCRIPT_UTF_8, config))
                .service(PREFIX + "products.json", (ctx, req) -> HttpResponse.of(HttpStatus.OK, MediaType.JSON_UTF_8, products))
                .serviceUnder(PREFIX, FileService.builder(loader, STATIC).serveCompressedFiles(false).build()
                        .orElse((ctx, req) -> HttpResponse.of(HttpStatus.NOT_FOUND)));
    }

    /** The shop's pages talk to the collector's origin, and to nothing else elsewhere. */
    public String contentSecurityPolicy() {
        String connect = collectorOrigin().map(o -> "'self' " + o).orElse("'self'");
        return "default-src 'self'; connect-src " + connect + "; img-src 'self' data:; frame-ancestors 'none'";
    }

    private Optional<String> collectorOrigin() {
        if (settings.collectorUrl().isBlank()) {
            return Optional.empty();
        }
        URI uri = URI.create(settings.collectorUrl());
        return Optional.of(uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()));
    }

    private byte[] configScript() {
        ObjectNode c = Json.mapper().createObjectNode();
        c.put("collector", settings.collectorUrl());
        // A browser source's write key is public by nature (it is in every page): give it only the shop's source.
        c.put("writeKey", settings.writeKey());
        c.put("source", settings.source());
        return ("window.SHOP_CONFIG = " + c + ";\n").getBytes(StandardCharsets.UTF_8);
    }

    /** The catalogue the enrichment API knows (common's), so the shop's events are enriched like the simulator's. */
    private static byte[] productsJson() {
        ArrayNode out = Json.mapper().createArrayNode();
        try (InputStream in = ShopSite.class.getClassLoader().getResourceAsStream("catalogue/products.csv")) {
            if (in == null) {
                throw new IllegalStateException("catalogue/products.csv is missing from the classpath");
            }
            try (CsvRows rows = CsvRows.read(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                rows.next();
                for (Optional<CsvRows.Row> row = rows.next(); row.isPresent(); row = rows.next()) {
                    List<String> cells = row.get().cells();
                    out.addObject().put("product_id", cells.get(0)).put("name", cells.get(1))
                            .put("category", cells.get(2)).put("price", Double.parseDouble(cells.get(3)))
                            .put("currency", cells.get(4));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the product catalogue", e);
        }
        return Json.toBytes(out);
    }
}
