package dev.noexcuses.features.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Feature views are checked when they are built: a definition that cannot work does not get that far. */
class FeatureDefinitionsTest {
    private static FeatureView.Builder valid() {
        return FeatureView.named("visits").description("Visits").owner("analytics").source("curated.sessions")
                .ttl(Duration.ofDays(2)).windowed("sessions", "Sessions", Aggregation.count());
    }

    @Test
    void theShippedViewsAreValidAndNameEveryWindowOfEveryAggregation() {
        FeatureRegistry registry = FeatureRegistry.shipped();
        assertThat(registry.names()).containsExactly("user_activity", "user_cart");
        FeatureView activity = registry.view("user_activity");
        assertThat(activity.features()).extracting(Feature::name).contains("sessions_1d", "sessions_7d", "sessions_30d",
                "page_views_30d", "purchases_7d", "revenue_30d", "days_since_last_visit");
        assertThat(activity.feature("revenue_7d").orElseThrow().type()).isEqualTo(FeatureType.DOUBLE);
        assertThat(activity.feature("sessions_7d").orElseThrow().type()).isEqualTo(FeatureType.LONG);
        assertThat(registry.view("user_cart").feature("cart_abandonment_rate_30d").orElseThrow().maximum()).isEqualTo(1);
        assertThat(activity.ttl()).isEqualTo(Duration.ofDays(3));
    }

    @Test
    void anUnknownColumnIsRefusedWithTheColumnsThereAre() {
        assertThatThrownBy(() -> valid().windowed("spend", "Spend", Aggregation.sum("amount")).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Invalid feature view 'visits'")
                .hasMessageContaining("aggregation 'spend' uses unknown column 'amount' of curated.sessions")
                .hasMessageContaining("revenue");
        assertThatThrownBy(() -> valid().windowed("carts", "Carts", Aggregation.count().where("kind", "cart")).build())
                .hasMessageContaining("the filter of aggregation 'carts' uses unknown column 'kind'");
    }

    @Test
    void aNameUsedTwiceIsRefused() {
        assertThatThrownBy(() -> valid().windowed("sessions", "Again", Aggregation.count()).build())
                .hasMessageContaining("the aggregation name 'sessions' is used twice")
                .hasMessageContaining("the feature name 'sessions_1d' is used twice");
        assertThatThrownBy(() -> new FeatureRegistry(List.of(valid().build(), valid().build())))
                .hasMessageContaining("the view name(s) [visits] are used twice");
    }

    @Test
    void aMissingTtlOwnerOrSourceIsRefusedWithWhatToDo() {
        assertThatThrownBy(() -> FeatureView.named("visits").description("Visits").source("curated.visits")
                .windowed("sessions", "Sessions", Aggregation.count()).build())
                .hasMessageContaining("no TTL: say how long after its feature time a value may be used")
                .hasMessageContaining("no owner")
                .hasMessageContaining("unknown source table 'curated.visits'");
        assertThatThrownBy(() -> valid().staleAfter(Duration.ofDays(5)).build())
                .hasMessageContaining("staleAfter PT120H is not between 0 and the TTL PT48H");
        assertThatThrownBy(() -> valid().rate("rate", "Rate", "orders", "sessions", false).build())
                .hasMessageContaining("rate 'rate_1d' uses unknown aggregation 'orders'");
    }

    @Test
    void freshnessIsFreshThenStaleThenMissingPastTheTtl() {
        FeatureView view = FeatureRegistry.shipped().view("user_activity");
        assertThat(Freshness.of(Duration.ofHours(30), view)).isEqualTo(Freshness.FRESH);
        assertThat(Freshness.of(Duration.ofHours(30).plusMillis(1), view)).isEqualTo(Freshness.STALE);
        assertThat(Freshness.of(Duration.ofDays(3), view)).isEqualTo(Freshness.STALE);
        assertThat(Freshness.of(Duration.ofDays(3).plusMillis(1), view)).isEqualTo(Freshness.MISSING);
        assertThat(Freshness.of(Duration.ofMillis(-1), view)).as("a value from the future").isEqualTo(Freshness.MISSING);
    }
}
