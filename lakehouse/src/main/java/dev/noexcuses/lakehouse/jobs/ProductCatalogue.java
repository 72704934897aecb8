package dev.noexcuses.lakehouse.jobs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The shop's product catalogue (the same CSV the enrichment API serves), as the view {@code catalogue}. */
final class ProductCatalogue {
    static final String VIEW = "catalogue";
    private static final String RESOURCE = "/catalogue/products.csv";
    private static final StructType SCHEMA = new StructType()
            .add("product_id", DataTypes.StringType, false)
            .add("name", DataTypes.StringType)
            .add("category", DataTypes.StringType)
            .add("list_price", DataTypes.DoubleType)
            .add("currency", DataTypes.StringType);

    private ProductCatalogue() {}

    static Dataset<Row> register(SparkSession spark) {
        List<Row> rows = new ArrayList<>();
        try (InputStream in = ProductCatalogue.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("The product catalogue " + RESOURCE + " is not on the classpath");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String header = reader.readLine();
            if (header == null || !header.startsWith("product_id,name,category,price")) {
                throw new IllegalStateException("Invalid catalogue header: " + header
                        + ", expected product_id,name,category,price,currency");
            }
            for (String line; (line = reader.readLine()) != null; ) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split(",", -1);
                rows.add(RowFactory.create(f[0], f[1], f[2], Double.parseDouble(f[3]), f.length > 4 ? f[4] : null));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the product catalogue " + RESOURCE, e);
        }
        Dataset<Row> catalogue = spark.createDataFrame(rows, SCHEMA);
        catalogue.createOrReplaceTempView(VIEW);
        return catalogue;
    }
}
