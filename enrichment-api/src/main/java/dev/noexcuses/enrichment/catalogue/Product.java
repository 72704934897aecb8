package dev.noexcuses.enrichment.catalogue;

import static java.util.Objects.requireNonNull;

import java.math.BigDecimal;

/** One product of the shop's catalogue. */
public record Product(String productId, String name, String category, BigDecimal price, String currency) {
    public Product {
        requireNonNull(productId, "productId is null");
        requireNonNull(name, "name is null");
        requireNonNull(category, "category is null");
        requireNonNull(price, "price is null");
        requireNonNull(currency, "currency is null");
    }
}
