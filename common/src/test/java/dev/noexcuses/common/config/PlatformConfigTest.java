package dev.noexcuses.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PlatformConfigTest {

    @Test
    void referenceConfSettingsBuiltOnTheDataDirFollowTheUsersDataDir() {
        var config = PlatformConfig.load(Optional.empty(), Map.of("platform.data-dir", "/srv/platform"));
        assertThat(config.getString("platform-config-test.state")).isEqualTo("/srv/platform/state");
    }

    @Test
    void withoutOverridesTheyUseTheDefaultDataDir() {
        assertThat(PlatformConfig.defaults(Map.of()).getString("platform-config-test.state")).isEqualTo("./data/state");
    }
}
