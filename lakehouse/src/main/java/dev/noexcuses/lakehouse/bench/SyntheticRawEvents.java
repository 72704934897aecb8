package dev.noexcuses.lakehouse.bench;

import org.apache.spark.sql.SparkSession;

/**
 * {@code raw.enriched_events} filled with {@code n} web-shop events in the batch loader's layout:
 * ten days, visitors with several visits a day, logins, funnels, purchases with item lists, and 2%
 * of events stored twice (client retries), so deduplication, sessions and stitching all have work.
 */
final class SyntheticRawEvents {
    private SyntheticRawEvents() {}

    static void create(SparkSession spark, long n) {
        spark.sql("CREATE NAMESPACE IF NOT EXISTS raw");
        spark.sql("DROP TABLE IF EXISTS raw.enriched_events");
        spark.sql("""
                CREATE TABLE raw.enriched_events (
                  event_id STRING NOT NULL, schema STRING NOT NULL, schema_vendor STRING, schema_name STRING,
                  schema_version STRING, event_time TIMESTAMP, source STRING, user_id STRING, anonymous_id STRING,
                  data STRING NOT NULL, received_at TIMESTAMP, collector_host STRING, request_id STRING,
                  client_ip STRING, user_agent STRING, authenticated_source STRING, transport STRING,
                  ua STRUCT<browser: STRING, browser_version: STRING, os: STRING, os_version: STRING, device: STRING>,
                  geo STRUCT<country_code: STRING, country: STRING, city: STRING>,
                  score STRUCT<model: STRING, version: STRING, value: DOUBLE>,
                  enrichments STRING, kafka_topic STRING NOT NULL, kafka_partition INT NOT NULL,
                  kafka_offset BIGINT NOT NULL, loaded_at TIMESTAMP NOT NULL)
                USING iceberg PARTITIONED BY (days(received_at)) TBLPROPERTIES ('format-version' = '2')
                """);
        long visitors = Math.max(10, n / 40);
        spark.sql("""
                WITH base AS (
                  SELECT id,
                         id %% %2$d AS visitor,
                         -- ten days; each visitor's events in visits of ~12 events a few minutes apart
                         TIMESTAMP '2026-11-01 00:00:00'
                           + make_dt_interval(CAST(pmod(hash(id %% %2$d, floor(id / %2$d / 12)), 10) AS INT),
                                              CAST(pmod(hash(floor(id / %2$d / 12), id %% %2$d), 24) AS INT),
                                              CAST(pmod(floor(id / %2$d), 12) * 3 AS INT),
                                              CAST(pmod(id, 60) AS DECIMAL(18, 6))) AS t,
                         pmod(hash(id, 7), 100) AS kind,
                         pmod(hash(id, 11), 50) + 1 AS product
                  FROM range(%1$d)),
                typed AS (
                  SELECT *, CASE WHEN kind < 40 THEN 'page_view' WHEN kind < 65 THEN 'product_view'
                                 WHEN kind < 75 THEN 'search' WHEN kind < 85 THEN 'add_to_cart'
                                 WHEN kind < 90 THEN 'checkout' WHEN kind < 94 THEN 'purchase'
                                 WHEN kind < 97 THEN 'login' ELSE 'logout' END AS type,
                         lpad(CAST(product AS STRING), 4, '0') AS pid
                  FROM base)
                SELECT concat(substr(sha1(CAST(CASE WHEN pmod(hash(id, 3), 50) = 0 AND id > 0 THEN id - 1 ELSE id END AS STRING)), 1, 8),
                              '-0000-4000-8000-', substr(md5(CAST(CASE WHEN pmod(hash(id, 3), 50) = 0 AND id > 0 THEN id - 1 ELSE id END AS STRING)), 1, 12)) AS event_id,
                       concat('com.webshop/', type, '/1-0-0') AS schema, 'com.webshop' AS schema_vendor, type AS schema_name,
                       '1-0-0' AS schema_version, t AS event_time, 'web-shop' AS source,
                       CASE WHEN type IN ('login', 'checkout', 'purchase', 'logout') OR pmod(visitor, 3) = 0
                            THEN concat('u-', visitor) END AS user_id,
                       concat('a-', visitor) AS anonymous_id,
                       CASE type
                         WHEN 'page_view' THEN to_json(named_struct('url', concat('https://shop.example.com/p/P', pid),
                              'page_type', 'product', 'title', 'Product | Web Shop'))
                         WHEN 'product_view' THEN to_json(named_struct('product_id', concat('P', pid), 'url', concat('/p/P', pid)))
                         WHEN 'search' THEN to_json(named_struct('query', 'running shoes', 'results', CAST(product AS INT)))
                         WHEN 'add_to_cart' THEN to_json(named_struct('product_id', concat('P', pid), 'quantity', 1,
                              'price', product * 1.5))
                         WHEN 'checkout' THEN to_json(named_struct('cart_id', concat('c-', id), 'items', 2,
                              'value', product * 3.0, 'currency', 'EUR'))
                         WHEN 'purchase' THEN to_json(named_struct('order_id', concat('o-', id), 'value', product * 3.0,
                              'currency', 'EUR', 'payment_method', 'card', 'items', array(
                                named_struct('product_id', concat('P', pid), 'quantity', 1, 'price', product * 1.5),
                                named_struct('product_id', 'P0001', 'quantity', 1, 'price', 98.86))))
                         WHEN 'login' THEN to_json(named_struct('method', 'password', 'success', true))
                         ELSE '{}' END AS data,
                       t + INTERVAL 2 SECONDS AS received_at, 'bench' AS collector_host, concat('r-', id) AS request_id,
                       '127.0.0.1' AS client_ip, 'Mozilla/5.0' AS user_agent, 'web-shop' AS authenticated_source,
                       'rest' AS transport,
                       named_struct('browser', 'Firefox', 'browser_version', '120', 'os', 'Linux', 'os_version', '6',
                                    'device', CASE WHEN pmod(visitor, 4) = 0 THEN 'Mobile' ELSE 'Desktop' END) AS ua,
                       named_struct('country_code', 'DE', 'country', 'Germany', 'city', 'Berlin') AS geo,
                       CAST(NULL AS STRUCT<model: STRING, version: STRING, value: DOUBLE>) AS score,
                       '{}' AS enrichments, 'events.enriched' AS kafka_topic, CAST(pmod(visitor, 3) AS INT) AS kafka_partition,
                       id AS kafka_offset, current_timestamp() AS loaded_at
                FROM typed
                """.formatted(n, visitors)).sortWithinPartitions("received_at").write().insertInto("raw.enriched_events");
    }
}
