package dev.noexcuses.enrichment.catalogue;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.common.csv.CsvRows;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The product catalogue, read once from a CSV file with header {@code product_id,name,category,price,currency}. */
public final class ProductCatalogue {
    private static final List<String> HEADER = List.of("product_id", "name", "category", "price", "currency");
    private static final String CLASSPATH = "classpath:";

    private final Map<String, Product> products;

    private ProductCatalogue(Map<String, Product> products) {
        this.products = Map.copyOf(products);
    }

    /** Loads {@code location}: {@code classpath:<resource>} or a file path. */
    public static ProductCatalogue load(String location) {
        requireNonNull(location, "location is null");
        if (location.startsWith(CLASSPATH)) {
            String resource = location.substring(CLASSPATH.length());
            InputStream in = ProductCatalogue.class.getClassLoader().getResourceAsStream(resource);
            if (in == null) {
                throw new IllegalArgumentException("Product catalogue resource not found on the classpath: " + resource);
            }
            return read(in, location);
        }
        try {
            return read(Files.newInputStream(Path.of(location)), location);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the product catalogue " + Path.of(location).toAbsolutePath(), e);
        }
    }

    static ProductCatalogue read(InputStream in, String source) {
        Map<String, Product> products = new LinkedHashMap<>();
        try (CsvRows rows = CsvRows.read(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            List<String> header = rows.next().map(CsvRows.Row::cells).orElse(null);
            if (header == null || !header.stream().map(String::trim).toList().equals(HEADER)) {
                throw new IllegalArgumentException("Invalid product catalogue " + source + ": expected header "
                        + String.join(",", HEADER) + " but got " + header);
            }
            for (Optional<CsvRows.Row> next; (next = rows.next()).isPresent(); ) {
                CsvRows.Row row = next.get();
                List<String> cells = row.cells();
                if (cells.size() != HEADER.size()) {
                    throw new IllegalArgumentException("Invalid product catalogue " + source + " line " + row.line()
                            + ": expected " + HEADER.size() + " cells but got " + cells.size() + ": " + cells);
                }
                try {
                    Product product = new Product(cells.get(0).trim(), cells.get(1).trim(), cells.get(2).trim(),
                            new BigDecimal(cells.get(3).trim()), cells.get(4).trim());
                    products.put(product.productId(), product);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("Invalid product catalogue " + source + " line " + row.line()
                            + ": price is not a number: " + cells.get(3));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the product catalogue " + source, e);
        }
        return new ProductCatalogue(products);
    }

    public Optional<Product> find(String productId) {
        return Optional.ofNullable(products.get(productId));
    }

    public int size() {
        return products.size();
    }
}
