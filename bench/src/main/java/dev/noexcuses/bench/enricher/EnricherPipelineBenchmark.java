package dev.noexcuses.bench.enricher;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import dev.noexcuses.common.event.CollectorMetadata;
import dev.noexcuses.common.event.EventEnvelope;
import dev.noexcuses.common.event.SchemaRef;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.enricher.enrich.EnrichmentChain;
import dev.noexcuses.enricher.enrich.Event;
import dev.noexcuses.enricher.enrich.GeoIpEnrichment;
import dev.noexcuses.enricher.enrich.PseudonymisationEnrichment;
import dev.noexcuses.enricher.enrich.UserAgentEnrichment;
import dev.noexcuses.enricher.registry.DirectorySchemaSource;
import dev.noexcuses.enricher.registry.ResolvedSchemas;
import dev.noexcuses.enricher.validate.DataValidator;
import dev.noexcuses.producers.simulator.WebShopSimulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The enricher's per-event CPU cost without Kafka, stage by stage (parse, schema validation, local
 * enrichments, serialisation), on the same simulated events as {@link EnricherBenchmark}: where the
 * enricher's time goes beside reading and writing Kafka.
 *
 * <p>Run: {@code ./bench/run enricher-pipeline [events]} from the repository root (reads {@code schemas/}).
 */
public final class EnricherPipelineBenchmark {
    private EnricherPipelineBenchmark() {}

    public static void main(String[] args) throws Exception {
        int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        WebShopSimulator simulator = new WebShopSimulator(7, "web-shop", 5000, 0, 0);
        List<byte[]> raw = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            raw.add(Json.toBytes(RealisticEvents.envelope(simulator.next(), i)));
        }
        ResolvedSchemas schemas = new ResolvedSchemas(new DirectorySchemaSource(Path.of("schemas")),
                Duration.ofMinutes(5), Duration.ofSeconds(30));
        try (GeoIpEnrichment geoIp = GeoIpEnrichment.open(RealisticEvents.cityDatabase(), 100_000)) {
            EnrichmentChain chain = new EnrichmentChain(List.of(new UserAgentEnrichment(10_000), geoIp,
                    new PseudonymisationEnrichment("bench-key", List.of("collector.client_ip", "user_id", "data.email"),
                            dev.noexcuses.common.privacy.Pseudonymiser.IpMode.HMAC)), new SimpleMeterRegistry(), Clock.systemUTC());
            System.out.printf("Enricher pipeline without Kafka: %,d events per round, 1 thread%n", events);
            for (int round = 1; round <= 6; round++) {
                long parse = 0;
                long validate = 0;
                long enrich = 0;
                long serialise = 0;
                long bytesIn = 0;
                long bytesOut = 0;
                for (byte[] value : raw) {
                    long t0 = System.nanoTime();
                    Event event = Event.parse(value);
                    long t1 = System.nanoTime();
                    Schema schema = schemas.resolve(SchemaRef.parse(event.schema()).orElseThrow());
                    if (!DataValidator.validate(schema, event.data()).isEmpty()) {
                        throw new IllegalStateException("Simulated event is invalid: " + new String(value));
                    }
                    long t2 = System.nanoTime();
                    chain.enrich(event);
                    long t3 = System.nanoTime();
                    byte[] out = event.toBytes();
                    long t4 = System.nanoTime();
                    parse += t1 - t0;
                    validate += t2 - t1;
                    enrich += t3 - t2;
                    serialise += t4 - t3;
                    bytesIn += value.length;
                    bytesOut += out.length;
                }
                double n = events;
                System.out.printf(Locale.ROOT, "  round %d: parse %.2f us, validate %.2f us, enrich %.2f us, "
                                + "serialise %.2f us = %.2f us/event; %d bytes in, %d out%n", round, parse / 1e3 / n,
                        validate / 1e3 / n, enrich / 1e3 / n, serialise / 1e3 / n,
                        (parse + validate + enrich + serialise) / 1e3 / n, bytesIn / events, bytesOut / events);
            }
        }
    }
}
