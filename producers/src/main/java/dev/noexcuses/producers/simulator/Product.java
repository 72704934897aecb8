package dev.noexcuses.producers.simulator;

import dev.noexcuses.common.csv.CsvRows;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A product of the web shop's catalogue ({@code catalogue/products.csv}, shared with the enrichment API). */
record Product(String id, String name, String category, double price) {

    static List<Product> catalogue() {
        try (InputStream in = Product.class.getClassLoader().getResourceAsStream("catalogue/products.csv")) {
            if (in == null) {
                throw new IllegalStateException("catalogue/products.csv is missing from the classpath");
            }
            List<Product> products = new ArrayList<>();
            CsvRows rows = CsvRows.read(new InputStreamReader(in, StandardCharsets.UTF_8));
            rows.next();
            for (Optional<CsvRows.Row> row; (row = rows.next()).isPresent(); ) {
                List<String> f = row.get().cells();
                products.add(new Product(f.get(0), f.get(1), f.get(2), Double.parseDouble(f.get(3))));
            }
            return List.copyOf(products);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
