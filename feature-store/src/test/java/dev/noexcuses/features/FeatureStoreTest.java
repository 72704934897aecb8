package dev.noexcuses.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.features.definition.Feature;
import dev.noexcuses.features.definition.FeatureRegistry;
import dev.noexcuses.features.definition.FeatureView;
import dev.noexcuses.features.definition.Freshness;
import dev.noexcuses.features.definition.SourceTable;
import dev.noexcuses.features.offline.FeatureBuild;
import dev.noexcuses.features.offline.TrainingSets;
import dev.noexcuses.features.online.FeatureClient;
import dev.noexcuses.features.online.FeatureServer;
import dev.noexcuses.features.online.Materializer;
import dev.noexcuses.features.online.OnlineFeatures;
import dev.noexcuses.features.online.OnlineStore;
import dev.noexcuses.features.online.RedisConnections;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The feature store on real Spark (local), Iceberg tables in the embedded PostgreSQL catalog and S3, and the
 * embedded Redis. Each test owns its visitors (key prefixes) and days.
 */
class FeatureStoreTest {
    private static FeatureTestBed bed;
    private static final FeatureRegistry REGISTRY = FeatureRegistry.shipped();
    private static final FeatureView ACTIVITY = REGISTRY.view("user_activity");
    private static final FeatureView CART = REGISTRY.view("user_cart");

    @BeforeAll
    static void start() {
        bed = FeatureTestBed.get();
    }

    private static void build(FeatureView view, LocalDate from, LocalDate to, int blockDays) {
        List<LocalDate> days = new ArrayList<>();
        for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
            days.add(d);
        }
        new FeatureBuild(bed.spark, bed.progress, blockDays).build(view, days, Instant.now());
    }

    private static String session(String id, String user, String day, int pageViews, int orders, double revenue) {
        return "SELECT '" + id + "' AS session_id, '" + user + "' AS user_key, DATE '" + day + "' AS event_date, "
                + "TIMESTAMP '" + day + " 10:00:00' AS session_start, TIMESTAMP '" + day + " 10:20:00' AS session_end, "
                + pageViews + " AS page_views, " + orders + " AS orders, " + revenue + "D AS revenue, "
                + (orders > 0) + " AS converted";
    }

    @Test
    void theSourceTablesTheDefinitionsAreCheckedAgainstAreTheLakehousesTables() {
        for (SourceTable source : SourceTable.CURATED) {
            Map<String, String> real = new LinkedHashMap<>();
            for (StructField f : bed.spark.table(source.name()).schema().fields()) {
                real.put(f.name(), f.dataType().sql());
            }
            assertThat(real).as(source.name()).containsAllEntriesOf(source.columns());
        }
    }

    /**
     * Visitor pit-1: two sessions on 2026-09-01 (one order of 20.00), one on 09-02 (an order of 50.00), three on
     * 09-05. Each label must see the values known at its time: the end of the last complete day before it, never a
     * later day's, and nothing older than the 3-day TTL.
     */
    @Test
    void aTrainingSetTakesTheValuesKnownAtEachLabelTimeAndNeverLaterOnes() throws Exception {
        bed.insert("curated.sessions", String.join(" UNION ALL ",
                session("pit-s1", "pit-1", "2026-09-01", 3, 0, 0),
                session("pit-s2", "pit-1", "2026-09-01", 2, 1, 20.0),
                session("pit-s3", "pit-1", "2026-09-02", 4, 1, 50.0),
                session("pit-s4", "pit-1", "2026-09-05", 1, 0, 0),
                session("pit-s5", "pit-1", "2026-09-05", 1, 0, 0),
                session("pit-s6", "pit-1", "2026-09-05", 1, 0, 0)));
        build(ACTIVITY, LocalDate.parse("2026-09-01"), LocalDate.parse("2026-09-08"), 4);
        // Building a day again, as the job does (with its checks), replaces it: the same rows, no duplicates.
        assertThat(FeatureStoreMain.build(bed.spark, bed.history, List.of(ACTIVITY), List.of(LocalDate.parse("2026-09-05")),
                7, bed.progress)).as(bed.output()).isZero();
        assertThat(strings("SELECT feature_date, sessions_7d FROM features.user_activity WHERE user_key = 'pit-1' "
                + "ORDER BY feature_date")).containsExactly("[2026-09-01,2]", "[2026-09-02,3]", "[2026-09-03,3]",
                "[2026-09-04,3]", "[2026-09-05,6]", "[2026-09-06,6]", "[2026-09-07,6]", "[2026-09-08,4]");

        Dataset<Row> labels = bed.spark.sql("""
                SELECT * FROM VALUES
                  ('pit-1', TIMESTAMP '2026-08-31 12:00:00', 0),
                  ('pit-1', TIMESTAMP '2026-09-02 12:00:00', 1),
                  ('pit-1', TIMESTAMP '2026-09-03 00:00:00', 0),
                  ('pit-1', TIMESTAMP '2026-09-05 23:59:59', 1),
                  ('pit-1', TIMESTAMP '2026-09-12 00:00:00', 0),
                  ('pit-1', TIMESTAMP '2026-09-12 00:00:00.001', 0),
                  ('nobody', TIMESTAMP '2026-09-03 00:00:00', 1)
                  AS labels(user_key, label_time, label)""");
        TrainingSets sets = new TrainingSets(bed.spark);
        TrainingSets.Result result = sets.build("pit_churn", labels, List.of(ACTIVITY), Map.of());

        assertThat(result.rows()).isEqualTo(7);
        assertThat(result.missing()).containsEntry("user_activity", 3L);
        String columns = "user_key, label_time, user_activity__feature_time, user_activity__sessions_1d, "
                + "user_activity__sessions_7d, user_activity__sessions_30d, user_activity__revenue_7d, "
                + "user_activity__days_since_last_visit";
        List<String> rows = strings("SELECT " + columns + " FROM training.pit_churn ORDER BY user_key DESC, label_time");
        assertThat(rows).containsExactly(
                "[pit-1,2026-08-31 12:00:00.0,null,null,null,null,null,null]",
                // Known at noon on 09-02: the end of 09-01 (not 09-02's order of 50.00, which is not over yet).
                "[pit-1,2026-09-02 12:00:00.0,2026-09-02 00:00:00.0,2,2,2,20.0,0]",
                // At midnight 09-02 is over: its values are known exactly then.
                "[pit-1,2026-09-03 00:00:00.0,2026-09-03 00:00:00.0,1,3,3,70.0,0]",
                // A second before 09-05 ends: the three sessions of 09-05 are not known yet.
                "[pit-1,2026-09-05 23:59:59.0,2026-09-05 00:00:00.0,0,3,3,70.0,2]",
                // The last day built is 09-08: its values are exactly 3 days (the TTL) old, still usable ...
                "[pit-1,2026-09-12 00:00:00.0,2026-09-09 00:00:00.0,0,4,6,50.0,3]",
                // ... and a millisecond later they are missing, not stale values passed off as fresh.
                "[pit-1,2026-09-12 00:00:00.001,null,null,null,null,null,null]",
                "[nobody,2026-09-03 00:00:00.0,null,null,null,null,null,null]");

        long snapshot = result.snapshots().get("user_activity");
        assertThat(sets.snapshotsOf("training.pit_churn")).containsExactly(Map.entry("user_activity", snapshot));

        // A later build changes what a new set sees; the recorded snapshots rebuild the first one exactly.
        bed.insert("curated.sessions", session("pit-s7", "pit-1", "2026-09-09", 9, 0, 0));
        build(ACTIVITY, LocalDate.parse("2026-09-09"), LocalDate.parse("2026-09-09"), 7);
        sets.build("pit_churn_now", labels, List.of(ACTIVITY), Map.of());
        sets.build("pit_churn_rebuilt", labels, List.of(ACTIVITY), sets.snapshotsOf("training.pit_churn"));
        String all = "SELECT * FROM training.%s ORDER BY user_key, label_time";
        assertThat(strings(all.formatted("pit_churn_rebuilt"))).isEqualTo(strings(all.formatted("pit_churn")));
        assertThat(strings(all.formatted("pit_churn_now"))).isNotEqualTo(strings(all.formatted("pit_churn")));

        assertThat(strings("SELECT check_name, status FROM quality.check_results WHERE table_name = "
                + "'features.user_activity' AND partition_date = DATE '2026-09-05' AND check_name LIKE 'sessions_7d.%' "
                + "ORDER BY check_name"))
                .containsExactly("[sessions_7d.drift,warn]", "[sessions_7d.nulls,pass]", "[sessions_7d.range,pass]");
    }

    /**
     * Visitor ttl-1 came four days ago; the view is built up to two days ago, so its latest values have the feature
     * time of yesterday's midnight. Offline (labels) and online (reads at a set clock) agree to the millisecond on
     * when they stop being usable.
     */
    @Test
    void theTtlEndsAValueAtTheSameMomentOfflineAndOnline() throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        bed.insert("curated.sessions", session("ttl-s1", "ttl-1", today.minusDays(4).toString(), 2, 0, 0));
        build(ACTIVITY, today.minusDays(4), today.minusDays(2), 7);
        new Materializer(bed.spark, bed.redis, 100, Clock.systemUTC(), bed.progress)
                .materialize(ACTIVITY, Materializer.ChunkListener.NONE);

        Instant featureTime = today.minusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
        Instant lastUsable = featureTime.plus(ACTIVITY.ttl());
        Instant expired = lastUsable.plusMillis(1);

        Dataset<Row> labels = bed.spark.sql("SELECT 'ttl-1' AS user_key, timestamp_millis(" + lastUsable.toEpochMilli()
                + ") AS label_time, 1 AS label UNION ALL SELECT 'ttl-1', timestamp_millis(" + expired.toEpochMilli() + "), 0");
        new TrainingSets(bed.spark).build("ttl_check", labels, List.of(ACTIVITY), Map.of());
        assertThat(strings("SELECT label, user_activity__sessions_7d FROM training.ttl_check ORDER BY label DESC"))
                .containsExactly("[1,1]", "[0,null]");

        assertThat(online(featureTime.plus(Duration.ofHours(1))).get("user_activity:sessions_7d").status())
                .isEqualTo(Freshness.FRESH);
        OnlineFeatures atLastUsable = online(lastUsable);
        assertThat(atLastUsable.get("user_activity:sessions_7d").value()).isEqualTo(1L);
        assertThat(atLastUsable.get("user_activity:sessions_7d").status()).isEqualTo(Freshness.STALE);
        assertThat(atLastUsable.get("user_activity:sessions_7d").age()).isEqualTo(ACTIVITY.ttl());
        OnlineFeatures atExpired = online(expired);
        assertThat(atExpired.get("user_activity:sessions_7d").status()).isEqualTo(Freshness.MISSING);
        assertThat(atExpired.get("user_activity:sessions_7d").value()).isNull();

        try (Jedis jedis = RedisConnections.connect(bed.redis)) {
            long pttl = jedis.pttl("fs:user:ttl-1");
            assertThat(System.currentTimeMillis() + pttl).as("Redis expires the hash when its values pass the TTL")
                    .isCloseTo(lastUsable.toEpochMilli(), within(5_000L));
        }
    }

    private static OnlineFeatures online(Instant at) {
        try (OnlineStore store = new OnlineStore(bed.redis, REGISTRY, Clock.fixed(at, ZoneOffset.UTC))) {
            return store.read("ttl-1", List.of("user_activity:sessions_7d"));
        }
    }

    /**
     * 60 visitors with carts yesterday. A materialisation in chunks of 7 dies after its third chunk; the next run
     * continues after it, so every row is written once; Redis then holds exactly the offline table's latest values,
     * served by the HTTP API too. A later build of five other visitors is all the run after writes.
     */
    @Test
    void aMaterialisationKilledMidwayResumesAndRedisThenHoldsTheOfflineLatestValues() throws Exception {
        LocalDate yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1);
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String user = String.format("m-%02d", i);
            for (int n = 0; n < i % 3 + 1; n++) {
                events.add(event(user + "-c" + n, "add_to_cart", user, user + "-a", yesterday));
            }
            if (i % 2 == 0) {
                events.add(event(user + "-p", "purchase", user, user + "-a", yesterday));
            }
            if (i % 5 == 0) {
                events.add(event(user + "-c9", "add_to_cart", user, user + "-b", yesterday));
            }
        }
        bed.insert("curated.events", events(events));
        build(CART, yesterday, yesterday, 7);

        Materializer materializer = new Materializer(bed.spark, bed.redis, 7, Clock.systemUTC(), bed.progress);
        assertThatThrownBy(() -> materializer.materialize(CART, (view, chunk, lastKey) -> {
            if (chunk == 3) {
                throw new IllegalStateException("killed after chunk 3");
            }
        })).hasMessage("killed after chunk 3");
        assertThat(keys("fs:user:m-*")).hasSize(21);

        Materializer.Outcome resumed = materializer.materialize(CART, Materializer.ChunkListener.NONE);
        assertThat(resumed.resumed()).isTrue();
        assertThat(resumed.written()).as("the rows after the last chunk that reached Redis, once").isEqualTo(39);
        assertThat(keys("fs:user:m-*")).hasSize(60);
        assertThat(materializer.materialize(CART, Materializer.ChunkListener.NONE).upToDate()).isTrue();

        List<String> users = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            users.add(String.format("m-%02d", i));
        }
        Map<String, Map<String, Object>> offline = new LinkedHashMap<>();
        for (Row r : bed.rows("SELECT * FROM features.user_cart WHERE feature_date = DATE '" + yesterday
                + "' AND user_key LIKE 'm-%' ORDER BY user_key")) {
            Map<String, Object> values = new LinkedHashMap<>();
            for (Feature f : CART.features()) {
                values.put("user_cart:" + f.name(), r.getAs(f.name()));
            }
            offline.put(r.getAs("user_key"), values);
        }
        assertThat(offline).hasSize(60);
        assertThat(offline.get("m-00")).containsEntry("user_cart:cart_adds_1d", 2L)
                .containsEntry("user_cart:cart_sessions_1d", 2L).containsEntry("user_cart:purchase_sessions_1d", 1L)
                .containsEntry("user_cart:cart_abandonment_rate_1d", 0.5);
        try (OnlineStore store = new OnlineStore(bed.redis, REGISTRY, Clock.systemUTC())) {
            Map<String, Map<String, Object>> online = new LinkedHashMap<>();
            for (OnlineFeatures f : store.read(users, List.of("user_cart"))) {
                assertThat(f.values().values()).allSatisfy(v -> assertThat(v.status()).isNotEqualTo(Freshness.STALE));
                online.put(f.key(), f.values().entrySet().stream().collect(LinkedHashMap::new,
                        (m, e) -> m.put(e.getKey(), e.getValue().value()), Map::putAll));
            }
            assertThat(online).isEqualTo(offline);
        }

        var config = PlatformConfig.defaults(Map.of("redis.url", bed.redis.url(), "redis.password", bed.redis.password(),
                "feature-store.online.port", "0"));
        try (FeatureServer server = FeatureServer.start(config, REGISTRY)) {
            assertThat(statusOf(server.url() + "/readyz")).isEqualTo(200);
            FeatureClient client = new FeatureClient(server.url(), "", Duration.ofSeconds(30));
            OnlineFeatures one = client.get("m-03", List.of("user_cart:cart_adds_1d", "user_cart:cart_abandonment_rate_1d"));
            assertThat(one.get("user_cart:cart_adds_1d").value()).isEqualTo(offline.get("m-03").get("user_cart:cart_adds_1d"));
            assertThat(one.get("user_cart:cart_abandonment_rate_1d").value())
                    .isEqualTo(offline.get("m-03").get("user_cart:cart_abandonment_rate_1d"));
            assertThat(one.get("user_cart:cart_adds_1d").status()).isEqualTo(Freshness.FRESH);
            assertThat(one.get("user_cart:cart_adds_1d").age()).isPositive();
            List<OnlineFeatures> many = client.get(List.of("m-10", "nobody"), List.of("user_cart"));
            assertThat(many).extracting(OnlineFeatures::key).containsExactly("m-10", "nobody");
            assertThat(many.get(1).values().values()).allSatisfy(v -> assertThat(v.status()).isEqualTo(Freshness.MISSING));
            assertThatThrownBy(() -> client.get("m-10", List.of("user_cart:no_such_feature")))
                    .isInstanceOf(IOException.class).hasMessageContaining("400")
                    .hasMessageContaining("has no feature 'no_such_feature'");
        }
        // Ready only while Redis answers: on a Redis where nothing listens, the service is live but not ready.
        var noRedis = PlatformConfig.defaults(Map.of("redis.url", "redis://127.0.0.1:1", "feature-store.online.port", "0"));
        try (FeatureServer server = FeatureServer.start(noRedis, REGISTRY)) {
            assertThat(statusOf(server.url() + "/healthz")).isEqualTo(200);
            assertThat(statusOf(server.url() + "/readyz")).isEqualTo(503);
        }

        List<String> later = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            later.add(event("n-" + i + "-c", "add_to_cart", "n-" + i, "n-" + i + "-a", yesterday.minusDays(1)));
        }
        bed.insert("curated.events", events(later));
        build(CART, yesterday.minusDays(1), yesterday.minusDays(1), 7);
        assertThat(materializer.materialize(CART, Materializer.ChunkListener.NONE).written())
                .as("only the visitors whose rows were built since").isEqualTo(5);
    }

    private static String event(String id, String type, String user, String sessionId, LocalDate day) {
        return "('" + id + "', '" + type + "', DATE '" + day + "', TIMESTAMP '" + day + " 12:00:00', '" + user + "', '"
                + user + "', '" + sessionId + "')";
    }

    private static String events(List<String> rows) {
        return "SELECT * FROM VALUES " + String.join(", ", rows)
                + " AS events(event_id, event_type, event_date, event_time, user_key, user_id, session_id)";
    }

    private static List<String> keys(String pattern) {
        List<String> found = new ArrayList<>();
        try (Jedis jedis = RedisConnections.connect(bed.redis)) {
            String cursor = ScanParams.SCAN_POINTER_START;
            do {
                ScanResult<String> page = jedis.scan(cursor, new ScanParams().match(pattern).count(500));
                found.addAll(page.getResult());
                cursor = page.getCursor();
            } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        }
        return found;
    }

    private static List<String> strings(String sql) {
        return bed.rows(sql).stream().map(Row::toString).collect(Collectors.toList());
    }

    private static int statusOf(String url) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .timeout(Duration.ofSeconds(30)).build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
