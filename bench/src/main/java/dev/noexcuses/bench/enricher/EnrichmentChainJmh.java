package dev.noexcuses.bench.enricher;

import com.networknt.schema.Schema;
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
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The enricher's per-event processing chain without Kafka, under JMH: the baseline reads and writes
 * the event (what any stage does), the others add schema validation, then the local enrichments
 * (user agent, GeoIP on DB-IP Lite City, pseudonymisation). The events are the simulator's, with its
 * visitors' addresses and browsers: {@code events} of them cycle, so caches see the real mix of
 * repeat and first-time visitors. With {@code caches = small} the user-agent and GeoIP caches hold
 * 1,000 entries each, far fewer than the distinct values, so most lookups parse and search.
 *
 * <p>Run: {@code ./bench/run jmh-enricher} (JMH options may follow, e.g. {@code -f 1 -wi 2 -i 3}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseParallelGC"})
public class EnrichmentChainJmh {
    @Param({"50000"})
    public int events;

    /** Cache sizes of the user-agent and GeoIP enrichments: the defaults, or small ones that miss. */
    @Param({"default", "small"})
    public String caches;

    private byte[][] raw;
    private int next;
    private ResolvedSchemas schemas;
    private EnrichmentChain chain;
    private GeoIpEnrichment geoIp;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        WebShopSimulator simulator = new WebShopSimulator(7, "web-shop", 20_000, 0, 0);
        List<byte[]> list = new ArrayList<>(events);
        for (int i = 0; i < events; i++) {
            list.add(Json.toBytes(RealisticEvents.envelope(simulator.next(), i)));
        }
        raw = list.toArray(byte[][]::new);
        schemas = new ResolvedSchemas(new DirectorySchemaSource(Path.of("schemas")), Duration.ofMinutes(5),
                Duration.ofSeconds(30));
        boolean small = caches.equals("small");
        geoIp = GeoIpEnrichment.open(RealisticEvents.cityDatabase(), small ? 1_000 : 100_000);
        chain = new EnrichmentChain(List.of(new UserAgentEnrichment(small ? 1_000 : 10_000), geoIp,
                new PseudonymisationEnrichment("bench-key", List.of("collector.client_ip", "user_id", "data.email"),
                        dev.noexcuses.common.privacy.Pseudonymiser.IpMode.HMAC)), new SimpleMeterRegistry(), Clock.systemUTC());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        geoIp.close();
    }

    private byte[] nextEvent() {
        byte[] value = raw[next];
        next = next + 1 == raw.length ? 0 : next + 1;
        return value;
    }

    /** Parse and serialise: the work every stage does, the baseline of the others. */
    @Benchmark
    public byte[] passThrough() {
        return Event.parse(nextEvent()).toBytes();
    }

    @Benchmark
    public byte[] validate() {
        Event event = Event.parse(nextEvent());
        Schema schema = schemas.resolve(SchemaRef.parse(event.schema()).orElseThrow());
        if (!DataValidator.validate(schema, event.data()).isEmpty()) {
            throw new IllegalStateException("A simulated event is invalid: " + event.eventId());
        }
        return event.toBytes();
    }

    @Benchmark
    public byte[] validateAndEnrich() {
        Event event = Event.parse(nextEvent());
        Schema schema = schemas.resolve(SchemaRef.parse(event.schema()).orElseThrow());
        if (!DataValidator.validate(schema, event.data()).isEmpty()) {
            throw new IllegalStateException("A simulated event is invalid: " + event.eventId());
        }
        chain.enrich(event);
        return event.toBytes();
    }
}
