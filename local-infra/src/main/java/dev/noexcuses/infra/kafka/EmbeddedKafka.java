package dev.noexcuses.infra.kafka;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.infra.InfraComponent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker in KRaft mode (broker and controller in one node), running in
 * this JVM. Its log directory is formatted once and kept, so topics and offsets survive a restart.
 */
public final class EmbeddedKafka implements InfraComponent {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final Path logDir;
    private final String host;
    private final int port;
    private final int controllerPort;
    private final int defaultPartitions;
    private KafkaRaftServer server;

    public EmbeddedKafka(Path logDir, String host, int port, int controllerPort, int defaultPartitions) {
        this.logDir = requireNonNull(logDir, "logDir is null");
        this.host = requireNonNull(host, "host is null");
        this.port = port;
        this.controllerPort = controllerPort;
        this.defaultPartitions = defaultPartitions;
    }

    @Override
    public String name() {
        return "kafka";
    }

    public String bootstrapServers() {
        return host + ":" + port;
    }

    @Override
    public synchronized void start() throws Exception {
        if (server != null) {
            return;
        }
        Files.createDirectories(logDir);
        KafkaConfig config = new KafkaConfig(brokerProperties(), false);
        formatIfNeeded();
        KafkaRaftServer raftServer = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            raftServer.startup();
        } catch (RuntimeException e) {
            raftServer.shutdown();
            throw new IllegalStateException("Kafka broker failed to start on " + bootstrapServers()
                    + " (is the port in use?): " + e.getMessage(), e);
        }
        server = raftServer;
        LOG.info("Kafka broker started on {} (data in {})", bootstrapServers(), logDir);
    }

    private void formatIfNeeded() throws Exception {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new Formatter()
                .setPrintStream(new PrintStream(out, true, StandardCharsets.UTF_8))
                .setNodeId(1)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logDir.toString()))
                .setMetadataLogDirectory(logDir.toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                .run();
        LOG.debug("Formatted Kafka storage: {}", out.toString(StandardCharsets.UTF_8).trim());
    }

    private Properties brokerProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("listeners", "PLAINTEXT://" + host + ":" + port + "," + CONTROLLER_LISTENER + "://" + host + ":"
                + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + host + ":" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("controller.quorum.voters", "1@" + host + ":" + controllerPort);
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", String.valueOf(defaultPartitions));
        p.put("auto.create.topics.enable", "false");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "3");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "3");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("log.flush.interval.messages", String.valueOf(Long.MAX_VALUE));
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
        p.put("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
        return p;
    }

    @Override
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            server.shutdown();
            server.awaitShutdown();
            LOG.info("Kafka broker on {} stopped", bootstrapServers());
        } finally {
            server = null;
        }
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    @Override
    public boolean isHealthy() {
        return isRunning() && KafkaProbe.reachable(bootstrapServers(), 2000);
    }

    @Override
    public boolean embedded() {
        return true;
    }

    @Override
    public Map<String, String> connectionDetails() {
        return Map.of("bootstrap_servers", bootstrapServers(), "data_dir", logDir.toString());
    }

    @Override
    public Map<String, String> serviceConfig() {
        return Map.of("kafka.bootstrap-servers", bootstrapServers());
    }
}
