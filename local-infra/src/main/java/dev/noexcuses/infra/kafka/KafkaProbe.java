package dev.noexcuses.infra.kafka;

import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/** Asks a Kafka cluster for its id, within a bounded time. */
public final class KafkaProbe {
    private KafkaProbe() {}

    public static boolean reachable(String bootstrapServers, int timeoutMs) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.put("request.timeout.ms", String.valueOf(timeoutMs));
        p.put("default.api.timeout.ms", String.valueOf(timeoutMs));
        p.put("socket.connection.setup.timeout.ms", String.valueOf(timeoutMs));
        p.put("socket.connection.setup.timeout.max.ms", String.valueOf(timeoutMs));
        try (Admin admin = Admin.create(p)) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs))
                    .clusterId().get(timeoutMs + 500L, TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
