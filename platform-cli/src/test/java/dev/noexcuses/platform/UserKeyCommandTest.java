package dev.noexcuses.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.common.privacy.Pseudonymiser;
import dev.noexcuses.platform.cli.Commands;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class UserKeyCommandTest {
    @Test
    void printsTheEnrichersPseudonymOfEachIdUnderTheConfiguredKey() {
        String out = run("user-key", "--set", "pseudonymisation.key=crm-test-key", "u-42", "u-7");
        Pseudonymiser enricher = new Pseudonymiser("crm-test-key", List.of("user_id"), Pseudonymiser.IpMode.HMAC);
        assertThat(out.lines()).containsExactly("u-42\t" + enricher.hmac("u-42"), "u-7\t" + enricher.hmac("u-7"));
        // Another key, other pseudonyms: the command does use the configured key.
        String otherKey = run("user-key", "--set", "pseudonymisation.key=another-key", "u-42");
        assertThat(otherKey.strip()).matches("u-42\t[0-9a-f]{32}").isNotEqualTo("u-42\t" + enricher.hmac("u-42"));
    }

    @Test
    void withoutUserIdAmongThePseudonymisedFieldsTheKeyIsTheIdItself() {
        String out = run("user-key", "--set", "pseudonymisation.fields.0=collector.client_ip", "u-42");
        assertThat(out.lines()).containsExactly("u-42\tu-42");
    }

    private static String run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            assertThat(Commands.execute(args)).isZero();
        } finally {
            System.setOut(original);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }
}
