package dev.noexcuses.bench.lake;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.common.kafka.KafkaClients;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.loader.batch.BatchLoader;
import dev.noexcuses.loader.batch.commit.IcebergCommitter;
import dev.noexcuses.loader.batch.table.EventTables;
import dev.noexcuses.loader.batch.table.LakeCatalog;
import dev.noexcuses.loader.batch.table.LakeSettings;
import dev.noexcuses.loader.batch.write.PartitionedFileWriter;
import dev.noexcuses.loader.batch.write.RowDecoder;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.OutputFileFactory;
import org.apache.iceberg.types.Conversions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Batch-loader throughput (rows/s from Kafka to committed in Iceberg) against writing the same rows
 * with the Iceberg/Parquet writer alone (rows already decoded, no Kafka) and committing them, in the
 * same run on the same embedded Kafka, PostgreSQL and S3; then, under a steady load, what each flush
 * interval gives: files per hour, file sizes, time until rows are visible.
 *
 * <p>Run: {@code ./bench/run batch-loader [rows] [seconds-per-flush-cell]}.
 */
public final class BatchLoaderBenchmark {
    private static final Random RANDOM = new Random(42);

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int cellSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        Config base = PlatformConfig.defaults(Map.of());
        System.out.printf("Batch-loader benchmark: %,d rows; flush cells of %d s; %d cores, heap %d MiB%n", rows,
                cellSeconds, Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20);
        try (LocalInfra infra = LocalInfra.forTests(base).start("postgres", "s3")) {
            Config services = infra.serviceConfig(base);
            throughput(services, rows);
            if (cellSeconds > 0) {
                flushMatrix(services, cellSeconds);
            }
        }
    }

    // ---- throughput: loader vs writer alone -------------------------------------------------------------

    private static void throughput(Config services, int rows) throws Exception {
        List<byte[]> events = new ArrayList<>(rows);
        Instant now = Instant.now();
        for (int i = 0; i < rows; i++) {
            events.add(Json.toBytes(event(i, now)));
        }
        long jsonBytes = events.stream().mapToLong(e -> e.length).sum();
        System.out.printf("Events: %,d, %.0f bytes of JSON each on average%n", rows, jsonBytes / (double) rows);

        // Warm-up of both paths (JIT, connections), then the measured runs, alternating.
        double writerWarm = writerAlone(services, events.subList(0, Math.min(20_000, rows)), "w0", false);
        writerAlone(services, events.subList(0, Math.min(20_000, rows)), "d0", true);
        double loaderWarm = loader(services, events.subList(0, Math.min(20_000, rows)), "l0");
        System.out.printf("warm-up: writer alone %.0f rows/s, loader %.0f rows/s%n", writerWarm, loaderWarm);
        List<Double> writer = new ArrayList<>();
        List<Double> decodingWriter = new ArrayList<>();
        List<Double> loader = new ArrayList<>();
        List<Double> consumer = new ArrayList<>();
        for (int run = 1; run <= 2; run++) {
            consumer.add(consumerAlone(services, events, "c" + run));
            writer.add(writerAlone(services, events, "w" + run, false));
            decodingWriter.add(writerAlone(services, events, "d" + run, true));
            loader.add(loader(services, events, "l" + run));
        }
        double w = writer.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double d = decodingWriter.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double l = loader.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        double c = consumer.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        System.out.println();
        System.out.println("| path | rows | rows/s (best of 2) | runs | vs writer alone |");
        System.out.println("|---|---:|---:|---|---:|");
        System.out.printf(Locale.ROOT, "| Iceberg/Parquet writer alone (decoded rows, one commit) | %,d | %,.0f | %s | 1.00 |%n",
                rows, w, runs(writer));
        System.out.printf(Locale.ROOT, "| JSON decode + writer (same JSON, no Kafka, one commit) | %,d | %,.0f | %s | %.2f |%n",
                rows, d, runs(decodingWriter), d / w);
        System.out.printf(Locale.ROOT, "| batch loader (Kafka, JSON decode, write, commit) | %,d | %,.0f | %s | %.2f |%n",
                rows, l, runs(loader), l / w);
        System.out.printf(Locale.ROOT, "| reference: Kafka consumer alone (same topic layout and client settings, no processing) | %,d | %,.0f | %s | %.2f |%n",
                rows, c, runs(consumer), c / w);
    }

    private static String runs(List<Double> values) {
        return String.join(", ", values.stream().map(v -> String.format(Locale.ROOT, "%,.0f", v)).toList());
    }

    /** The same rows, decoded before the clock starts, through the loader's writer and one commit. */
    private static double writerAlone(Config services, List<byte[]> events, String name, boolean timeDecoding)
            throws Exception {
        try (LakeCatalog lake = LakeCatalog.open(LakeSettings.from(services))) {
            Table table = EventTables.ensure(lake.catalog(), TableIdentifier.parse("bench_writer." + name + uid()),
                    EventTables.ENRICHED_EVENTS, loaderTableProperties(services));
            RowDecoder decoder = new RowDecoder(table.schema(), EventTables.FAILED_EVENTS,
                    new dev.noexcuses.common.privacy.Pseudonymiser("bench-key", java.util.List.of(),
                            dev.noexcuses.common.privacy.Pseudonymiser.IpMode.HMAC));
            OffsetDateTime loadedAt = OffsetDateTime.now(ZoneOffset.UTC);
            List<Record> decoded = new ArrayList<>(events.size());
            long t0 = System.nanoTime();
            PartitionedFileWriter writer = new PartitionedFileWriter(table,
                    OutputFileFactory.builderFor(table, 0, 0).format(FileFormat.PARQUET).build(), 128L << 20);
            if (timeDecoding) {
                for (int i = 0; i < events.size(); i++) {
                    writer.write(decoder.enriched(events.get(i), new RowDecoder.Origin("t", 0, i, loadedAt)).record());
                }
            } else {
                for (int i = 0; i < events.size(); i++) {
                    decoded.add(decoder.enriched(events.get(i), new RowDecoder.Origin("t", 0, i, loadedAt)).record());
                }
                t0 = System.nanoTime();
                decoded.forEach(writer::write);
            }
            List<DataFile> files = writer.complete();
            new IcebergCommitter(table, "bench", "bench", 5, Duration.ofMillis(50))
                    .commit(files, Map.of(), Map.of(new org.apache.kafka.common.TopicPartition("t", 0),
                            (long) events.size()), () -> { });
            return events.size() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static Map<String, String> loaderTableProperties(Config services) {
        Map<String, String> props = new HashMap<>();
        services.getConfig("batch-loader.table-properties").entrySet().forEach(e ->
                props.put(e.getKey().replace("\"", ""), String.valueOf(e.getValue().unwrapped())));
        return props;
    }

    /** The loader from its partitions being assigned until every row is committed (by the shutdown flush). */
    private static double loader(Config services, List<byte[]> events, String name) throws Exception {
        String id = "bench" + name + uid();
        Config config = loaderConfig(services, id, "10m", 3);
        produce(config, id + ".enriched", events);
        long t0;
        BatchLoader loader = BatchLoader.start(config);
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (loader.ownedPartitions().isEmpty()) {
                checkDeadline(deadline, "loader partitions");
                TimeUnit.MILLISECONDS.sleep(5);
            }
            t0 = System.currentTimeMillis();
            while (consumed(loader) < events.size()) {
                checkDeadline(deadline, "loader reading " + events.size() + " records");
                TimeUnit.MILLISECONDS.sleep(5);
            }
        } finally {
            loader.close();
        }
        // Until the shutdown flush has committed the last row; the consumer's and admin server's teardown is not counted.
        double seconds = (loader.metrics().lastCommitMillis() - t0) / 1000.0;
        double committed = loader.metrics().registry().get("batch_loader_rows_committed_total").counters().stream()
                .mapToDouble(c -> c.count()).sum();
        if (committed != events.size()) {
            throw new IllegalStateException("Loader committed " + committed + " rows, expected " + events.size());
        }
        return events.size() / seconds;
    }

    /** Only reading the records with the loader's consumer settings: what Kafka alone allows here. */
    private static double consumerAlone(Config services, List<byte[]> events, String name) throws Exception {
        String id = "bench" + name + uid();
        Config config = loaderConfig(services, id, "10m", 3);
        produce(config, id + ".enriched", events);
        java.util.Properties props = KafkaClients.consumer(config, id);
        props.put("max.poll.records", String.valueOf(config.getInt("batch-loader.max-poll-records")));
        props.put("receive.buffer.bytes", String.valueOf(4 * 1024 * 1024));
        props.put("fetch.max.bytes", String.valueOf(32 * 1024 * 1024));
        props.put("max.partition.fetch.bytes", String.valueOf(2 * 1024 * 1024));
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(props)) {
            long[] assignedAt = {0};
            consumer.subscribe(List.of(id + ".enriched"), new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(java.util.Collection<org.apache.kafka.common.TopicPartition> p) {}

                @Override
                public void onPartitionsAssigned(java.util.Collection<org.apache.kafka.common.TopicPartition> p) {
                    assignedAt[0] = System.nanoTime();
                }
            });
            long count = 0;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (count < events.size()) {
                checkDeadline(deadline, "consumer alone reading " + events.size() + " records");
                count += consumer.poll(Duration.ofMillis(200)).count();
            }
            return events.size() / ((System.nanoTime() - assignedAt[0]) / 1e9);
        }
    }

    private static double consumed(BatchLoader loader) {
        return loader.metrics().registry().find("batch_loader_records_consumed_total").counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    // ---- flush interval x event rate --------------------------------------------------------------------

    private static void flushMatrix(Config services, int seconds) throws Exception {
        System.out.println();
        System.out.printf("Steady load for %d s per cell; one day partition; target file size 128 MiB%n", seconds);
        System.out.println("| events/s | flush max-age | commits | files | files/hour | median file | rows/file | "
                + "bytes/row | visible after (mean / max) |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (int rate : new int[] {200, 2000}) {
            for (String age : new String[] {"2s", "10s"}) {
                cell(services, rate, age, seconds);
            }
        }
    }

    private static void cell(Config services, int rate, String age, int seconds) throws Exception {
        String id = "cell" + rate + age + uid();
        Config config = loaderConfig(services, id, age, 1);
        try (KafkaProducer<String, byte[]> producer = producer(config, id)) {
            BatchLoader loader = BatchLoader.start(config);
            long start = System.nanoTime();
            long sent = 0;
            try {
                while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(seconds)) {
                    long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
                    for (; sent < due; sent++) {
                        EventEnvelope e = event((int) sent, Instant.now());
                        producer.send(new ProducerRecord<>(id + ".enriched", e.partitionKey(), Json.toBytes(e)));
                    }
                    TimeUnit.MILLISECONDS.sleep(2);
                }
                producer.flush();
            } finally {
                loader.close();
            }
        }
        try (LakeCatalog lake = LakeCatalog.open(LakeSettings.from(config))) {
            Table table = lake.catalog().loadTable(TableIdentifier.parse(id + ".enriched_events"));
            List<Long> sizes = new ArrayList<>();
            long rows = 0;
            long commits = 0;
            double delaySum = 0;
            long delayMax = 0;
            int receivedId = table.schema().findField("received_at").fieldId();
            for (Snapshot s : table.snapshots()) {
                boolean any = false;
                for (DataFile f : s.addedDataFiles(table.io())) {
                    any = true;
                    sizes.add(f.fileSizeInBytes());
                    rows += f.recordCount();
                    long lower = Conversions.<Long>fromByteBuffer(table.schema().findType(receivedId),
                            f.lowerBounds().get(receivedId)) / 1000;
                    long upper = Conversions.<Long>fromByteBuffer(table.schema().findType(receivedId),
                            f.upperBounds().get(receivedId)) / 1000;
                    delaySum += (s.timestampMillis() - (lower + upper) / 2.0) * f.recordCount();
                    delayMax = Math.max(delayMax, s.timestampMillis() - lower);
                }
                commits += any ? 1 : 0;
            }
            sizes.sort(Long::compare);
            long median = sizes.isEmpty() ? 0 : sizes.get(sizes.size() / 2);
            long totalBytes = sizes.stream().mapToLong(Long::longValue).sum();
            // The last commit is the shutdown flush: files/hour from the steady ones.
            double perHour = (commits - 1) * 3600.0 / seconds;
            System.out.printf(Locale.ROOT, "| %,d | %s | %d | %d | %,.0f | %s | %,d | %.0f | %.1f s / %.1f s |%n", rate, age,
                    commits, sizes.size(), perHour, human(median), rows / Math.max(1, sizes.size()),
                    totalBytes / (double) Math.max(1, rows), delaySum / Math.max(1, rows) / 1000.0, delayMax / 1000.0);
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private static Config loaderConfig(Config services, String id, String maxAge, int partitions) throws Exception {
        Config config = ConfigFactory.parseString(String.join("\n",
                "batch-loader.topics.enriched = \"" + id + ".enriched\"",
                "batch-loader.topics.failed = [\"" + id + ".dlq\"]",
                "batch-loader.tables.enriched-events = \"" + id + ".enriched_events\"",
                "batch-loader.tables.failed-events = \"" + id + ".failed_events\"",
                "batch-loader.group-id = \"" + id + "\"",
                "batch-loader.admin.port = 0",
                "batch-loader.flush.max-age = " + maxAge)).withFallback(services).resolve();
        try (Admin admin = Admin.create(KafkaClients.base(config))) {
            admin.createTopics(List.of(new NewTopic(id + ".enriched", partitions, (short) 1),
                    new NewTopic(id + ".dlq", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        return config;
    }

    private static KafkaProducer<String, byte[]> producer(Config config, String id) {
        return new KafkaProducer<>(KafkaClients.reliableProducer(config, id, 60_000));
    }

    private static void produce(Config config, String topic, List<byte[]> events) throws Exception {
        java.util.Properties props = KafkaClients.reliableProducer(config, topic, 120_000);
        // The preload is checked record by record below; the idempotent producer's sequence handling
        // tripped over the embedded broker's slow appends in bursts of 100 MB.
        props.put("enable.idempotence", "false");
        props.put("max.in.flight.requests.per.connection", "1");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>(events.size());
            for (int i = 0; i < events.size(); i++) {
                sent.add(producer.send(new ProducerRecord<>(topic, "user-" + (i % 1000), events.get(i))));
                if (i % 5000 == 4999) {
                    // In slices: a 100 MB burst at the embedded broker makes requests expire.
                    producer.flush();
                }
            }
            producer.flush();
            for (var f : sent) {
                f.get(2, TimeUnit.MINUTES);
            }
        }
    }

    private static void checkDeadline(long deadlineNanos, String what) {
        if (System.nanoTime() > deadlineNanos) {
            throw new IllegalStateException("Timed out: " + what);
        }
    }

    private static String uid() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 8);
    }

    /** An enriched page or cart event as the enricher writes it. */
    static EventEnvelope event(int n, Instant received) {
        String[] types = {"page_view", "product_view", "add_to_cart", "search", "purchase"};
        String type = types[n % types.length];
        ObjectNode data = Json.mapper().createObjectNode();
        data.put("url", "https://shop.example.com/p/P" + String.format("%04d", n % 50) + "?ref=" + RANDOM.nextInt(1000));
        data.put("product_id", "P" + String.format("%04d", n % 50));
        data.put("quantity", 1 + n % 4);
        data.put("price", Math.round(RANDOM.nextDouble() * 20_000) / 100.0);
        data.put("title", "Product " + (n % 50));
        ObjectNode enrichments = Json.mapper().createObjectNode();
        enrichments.putObject("user_agent").put("browser", n % 3 == 0 ? "Chrome" : "Firefox")
                .put("browser_version", "12" + n % 9 + ".0").put("os", n % 2 == 0 ? "Windows" : "Linux")
                .put("os_version", "10").put("device", "Other");
        enrichments.putObject("geo").put("country_code", "DE").put("country", "Germany").put("city", "Berlin");
        enrichments.putObject("score").put("model", "propensity").put("version", "4").put("value", RANDOM.nextDouble());
        enrichments.putArray("products").addObject().put("product_id", "P" + String.format("%04d", n % 50))
                .put("name", "Product " + (n % 50)).put("category", "category-" + n % 7).put("price", 19.99);
        String user = "user-" + RANDOM.nextInt(50_000);
        return new EventEnvelope(UUID.randomUUID().toString(), "com.webshop/" + type + "/1-0-0",
                received.minusMillis(RANDOM.nextInt(2000)), "web-shop", user, null, data,
                new CollectorMetadata(received, "collector-1", UUID.randomUUID().toString(), "203.0.113." + n % 250,
                        "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "web-shop", "rest"),
                enrichments);
    }

    private static String human(long bytes) {
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.0f KiB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }
}
