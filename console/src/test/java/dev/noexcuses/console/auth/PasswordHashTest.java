package dev.noexcuses.console.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PasswordHashTest {
    @Test
    void aHashMatchesItsPasswordOnlyAndIsSaltedEveryTime() {
        String first = PasswordHash.hash("correct horse".toCharArray());
        String second = PasswordHash.hash("correct horse".toCharArray());
        assertThat(first).startsWith("pbkdf2-sha256:600000:").isNotEqualTo(second);
        assertThat(PasswordHash.matches("correct horse".toCharArray(), first)).isTrue();
        assertThat(PasswordHash.matches("correct horsE".toCharArray(), first)).isFalse();
        assertThat(PasswordHash.matches("correct horse".toCharArray(), "plain-text")).isFalse();
    }

    @Test
    void aConfiguredUserWithoutAValidHashIsRejectedWithTheExpectedForm() {
        assertThatThrownBy(() -> new ConsoleUser("bob", "secret"))
                .hasMessageContaining("user 'bob'").hasMessageContaining("pbkdf2-sha256:<iterations>");
        assertThat(new ConsoleUser("bob", PasswordHash.hash("long enough".toCharArray())).toString())
                .doesNotContain("pbkdf2");
    }
}
