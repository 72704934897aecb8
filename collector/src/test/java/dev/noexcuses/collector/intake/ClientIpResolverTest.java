package dev.noexcuses.collector.intake;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.common.config.PlatformConfig;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientIpResolverTest {
    @Test
    void byDefaultNoPeerIsTrustedSoXForwardedForCannotNameAnotherAddress() throws Exception {
        List<String> defaults = PlatformConfig.defaults(Map.of()).getStringList("collector.trusted-proxies");
        assertThat(defaults).isEmpty();

        ClientIpResolver resolver = new ClientIpResolver(defaults);
        assertThat(resolver.resolve(InetAddress.getByName("127.0.0.1"), "81.2.69.142")).isEqualTo("127.0.0.1");
    }

    @Test
    void aConfiguredProxyRelaysTheRightMostAddressThatIsNotAProxy() throws Exception {
        ClientIpResolver resolver = new ClientIpResolver(List.of("127.0.0.1/32", "10.0.0.7"));
        InetAddress loopback = InetAddress.getByName("127.0.0.1");

        assertThat(resolver.resolve(loopback, "81.2.69.142")).isEqualTo("81.2.69.142");
        assertThat(resolver.resolve(loopback, "198.51.100.7, 81.2.69.142, 10.0.0.7")).isEqualTo("81.2.69.142");
        assertThat(resolver.resolve(InetAddress.getByName("192.0.2.1"), "81.2.69.142")).isEqualTo("192.0.2.1");
    }
}
