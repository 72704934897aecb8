package dev.noexcuses.platform.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.platform.verify.Reconciler;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which stores downstream of events.enriched {@code ./platform verify} reconciles. */
class VerifiedStoresTest {

    @Test
    void theLakeIsCheckedWheneverACatalogIsConfiguredAlsoOnAwsS3WithoutAnEndpoint() {
        var onAws = PlatformConfig.defaults(Map.of("postgres.jdbc-url", "jdbc:postgresql://db.example:5432/lake",
                "s3.endpoint", "", "s3.region", "eu-west-1"));
        assertThat(Connections.downstreamStores(onAws)).extracting(Reconciler.DownstreamStore::name)
                .containsExactly("lake raw.enriched_events");
    }

    @Test
    void withoutACatalogThereIsNoLakeToCheck() {
        var noLake = PlatformConfig.defaults(Map.of("postgres.jdbc-url", ""));
        assertThat(Connections.downstreamStores(noLake)).isEmpty();
    }
}
