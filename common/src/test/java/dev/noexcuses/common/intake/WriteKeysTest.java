package dev.noexcuses.common.intake;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WriteKeysTest {
    private final WriteKeys keys = WriteKeys.from(ConfigFactory.parseString(
            "collector.write-keys = [{ key = \"shop-key\", sources = [web-shop] }, "
                    + "{ key = \"" + WriteKeys.hashedForm("app-key") + "\", sources = [mobile-app] }]"));

    @Test
    void aCheckedKeyGivesItsSourcesAndTheSameFingerprintAsTheKeyAlone() {
        WriteKeys.Check shop = keys.check("shop-key");
        WriteKeys.Check app = keys.check(" app-key ");

        assertThat(shop.sources()).contains(Set.of("web-shop"));
        assertThat(shop.fingerprint()).isEqualTo(WriteKeys.fingerprint("shop-key")).startsWith("sha256:").hasSize(19);
        assertThat(app.sources()).contains(Set.of("mobile-app"));
        assertThat(app.fingerprint()).isEqualTo(WriteKeys.fingerprint("app-key"));
        assertThat(keys.sourcesOfFingerprint(app.fingerprint())).contains(Set.of("mobile-app"));
    }

    @Test
    void anUnknownOrMissingKeyHasNoSourcesButAFingerprintForItsFailureRecord() {
        assertThat(keys.check("guess").sources()).isEmpty();
        assertThat(keys.check("guess").fingerprint()).isEqualTo(WriteKeys.fingerprint("guess"));
        assertThat(keys.check(null).sources()).isEmpty();
        assertThat(keys.check(null).fingerprint()).isEqualTo("none");
        assertThat(keys.check("  ").fingerprint()).isEqualTo("none");
    }
}
