package dev.noexcuses.producers.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.noexcuses.producers.sdk.EndUser;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import ua_parser.Client;
import ua_parser.Parser;

class WebShopSimulatorTest {
    private static final int EVENTS = 5_000;

    @Test
    void everyUserComesBackFromTheSamePublicAddressWithTheSameBrowser() throws Exception {
        List<WebShopSimulator.Generated> events = generate(7);
        Map<String, Set<EndUser>> visitorsByUser = new HashMap<>();
        for (WebShopSimulator.Generated g : events) {
            if (g.event().hasNonNull("user_id")) {
                visitorsByUser.computeIfAbsent(g.event().get("user_id").asText(), u -> new HashSet<>()).add(g.visitor());
            }
        }
        assertThat(visitorsByUser).hasSizeGreaterThan(100);
        assertThat(visitorsByUser.values()).allSatisfy(v -> assertThat(v).hasSize(1));

        Set<String> addresses = events.stream().map(g -> g.visitor().address()).collect(Collectors.toSet());
        assertThat(addresses).hasSizeGreaterThan(250);
        boolean ipv6 = false;
        for (String address : addresses) {
            InetAddress a = InetAddress.getByName(address);
            assertThat(a.isLoopbackAddress() || a.isSiteLocalAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()
                    || a.isMulticastAddress() || address.startsWith("100.64.") || address.startsWith("fc")
                    || address.startsWith("fd")).as(address).isFalse();
            ipv6 |= a instanceof Inet6Address;
        }
        assertThat(ipv6).as("some visitors on IPv6").isTrue();

        // The same seed gives the same visitors.
        assertThat(generate(7).stream().map(WebShopSimulator.Generated::visitor).toList())
                .isEqualTo(events.stream().map(WebShopSimulator.Generated::visitor).toList());
    }

    @Test
    void browsersOperatingSystemsAndDevicesAreAsVariedAsAShopsRealTraffic() {
        Parser parser = new Parser();
        Map<String, Long> browsers = new HashMap<>();
        Map<String, Long> systems = new HashMap<>();
        Set<String> devices = new HashSet<>();
        Set<String> distinct = new HashSet<>();
        List<WebShopSimulator.Generated> events = generate(11);
        Map<String, Client> parsed = new HashMap<>();
        for (WebShopSimulator.Generated g : events) {
            String userAgent = g.visitor().userAgent();
            distinct.add(userAgent);
            Client client = parsed.computeIfAbsent(userAgent, parser::parse);
            browsers.merge(client.userAgent.family, 1L, Long::sum);
            systems.merge(client.os.family, 1L, Long::sum);
            devices.add(client.device.family);
        }
        assertThat(browsers.keySet()).contains("Chrome", "Chrome Mobile", "Mobile Safari", "Safari", "Firefox", "Edge",
                "Samsung Internet", "Opera", "Chrome Mobile iOS", "Firefox Mobile");
        assertThat(systems.keySet()).contains("Windows", "Mac OS X", "Linux", "Android", "iOS");
        assertThat(devices).contains("Other", "iPhone", "iPad").hasSizeGreaterThan(15);
        long mobile = systems.getOrDefault("Android", 0L) + systems.getOrDefault("iOS", 0L);
        assertThat(mobile).isBetween(events.size() * 35L / 100, events.size() * 65L / 100);
        assertThat(browsers.getOrDefault("Other", 0L)).isZero();
        assertThat(distinct).hasSizeGreaterThan(300);
    }

    private static List<WebShopSimulator.Generated> generate(long seed) {
        WebShopSimulator simulator = new WebShopSimulator(seed, "web-shop", 2_000, 0.05, 0.02);
        return java.util.stream.Stream.generate(simulator::next).limit(EVENTS).toList();
    }
}
