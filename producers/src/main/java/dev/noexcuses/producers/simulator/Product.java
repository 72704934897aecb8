package dev.noexcuses.producers.simulator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A product of the web shop's catalogue ({@code catalogue/products.csv}, shared with the enrichment API). */
record Product(String id, String name, String category, double price) {

    static List<Product> catalogue() {
        try (InputStream in = Product.class.getClassLoader().getResourceAsStream("catalogue/products.csv")) {
            if (in == null) {
                throw new IllegalStateException("catalogue/products.csv is missing from the classpath");
            }
            List<Product> products = new ArrayList<>();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            reader.readLine();
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",");
                products.add(new Product(f[0], f[1], f[2], Double.parseDouble(f[3])));
            }
            return List.copyOf(products);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
