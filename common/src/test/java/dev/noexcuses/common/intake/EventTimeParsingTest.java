package dev.noexcuses.common.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventTimeParsingTest {
    /** What the general ISO-8601 parser says: the reference every input must agree with. */
    private static Instant general(String text) {
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    @Test
    void readsEveryTimestampAsTheGeneralIsoParserDoes() {
        List<String> inputs = List.of(
                "2026-01-31T12:00:00Z", "2026-01-31T12:00:00.1Z", "2026-01-31T12:00:00.123Z",
                "2026-01-31T12:00:00.123456Z", "2026-01-31T12:00:00.123456789Z", "2024-02-29T23:59:59.999Z",
                "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
                "2026-01-31T12:00:00+01:00", "2026-01-31T12:00:00.5-05:30", "2026-01-31t12:00:00z",
                "2026-01-31T12:00Z", "+12026-01-31T12:00:00Z",
                // refused by both
                "2026-02-29T12:00:00Z", "2026-02-30T12:00:00Z", "2026-13-01T12:00:00Z", "2026-00-10T12:00:00Z",
                "2026-01-31T24:00:00Z", "2026-01-31T12:60:00Z", "2026-01-31T12:00:60Z", "2026-01-31T12:00:00.Z",
                "2026-01-31T12:00:00.1234567890Z", "2026-01-31 12:00:00Z", "2026-01-31T12:00:00", "2026-1-31T12:00:00Z",
                "2026-01-31T12:00:0xZ", "２０２６-01-31T12:00:00Z", "2026-01-31T12:00:00.12a4Z", "", "Z",
                "2026-01-31T12:00:00ZZ", "2026-01-31T12:00:00.123+Z");

        for (String input : inputs) {
            assertThat(TopLevelValidator.parseInstant(input)).as(input).isEqualTo(general(input));
        }
        assertThat(TopLevelValidator.parseInstant("2026-01-31T12:00:00.123456789Z"))
                .isEqualTo(Instant.ofEpochSecond(Instant.parse("2026-01-31T12:00:00Z").getEpochSecond(), 123_456_789));
    }
}
