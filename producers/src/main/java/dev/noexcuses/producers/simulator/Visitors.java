package dev.noexcuses.producers.simulator;

import dev.noexcuses.producers.sdk.EndUser;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Who the simulated visitors are, as the collector sees them: a public address from a residential or
 * mobile network of a real ISP in the visitor's country (a European web shop's mix, with some
 * overseas and some IPv6), and the user agent of a real desktop or mobile browser. Both depend on
 * the visitor alone (and the seed), so a returning user comes back from the same place with the
 * same browser.
 */
final class Visitors {
    /** A network announced by an ISP in {@code country}; {@code weight} is its share of visitors. */
    private record Network(String country, String cidr, int weight) {}

    // Each network checked against DB-IP Lite City (2026-06): addresses in it resolve to the country.
    private static final List<Network> NETWORKS = List.of(
            new Network("DE", "79.192.0.0/10", 6), new Network("DE", "91.0.0.0/10", 5),
            new Network("DE", "84.128.0.0/10", 4), new Network("DE", "88.64.0.0/12", 3),
            new Network("DE", "2003::/19", 4),
            new Network("GB", "81.128.0.0/11", 4), new Network("GB", "86.128.0.0/10", 3),
            new Network("GB", "82.0.0.0/14", 3), new Network("GB", "2a00:23c0::/27", 2),
            new Network("FR", "86.192.0.0/11", 4), new Network("FR", "82.64.0.0/14", 3),
            new Network("FR", "2a01:e00::/26", 3),
            new Network("NL", "77.160.0.0/13", 3), new Network("NL", "84.24.0.0/13", 2),
            new Network("ES", "83.32.0.0/11", 3), new Network("ES", "88.0.0.0/11", 3),
            new Network("IT", "79.0.0.0/10", 3), new Network("IT", "87.0.0.0/11", 3),
            new Network("SE", "78.64.0.0/12", 2), new Network("SE", "90.224.0.0/12", 1),
            new Network("PL", "83.0.0.0/11", 4),
            new Network("CH", "83.76.0.0/14", 2), new Network("DK", "87.48.0.0/12", 2),
            new Network("NO", "84.208.0.0/13", 1), new Network("IE", "86.40.0.0/13", 2),
            new Network("PT", "85.240.0.0/13", 2),
            new Network("US", "73.0.0.0/8", 5), new Network("US", "99.0.0.0/10", 3),
            new Network("US", "172.32.0.0/11", 2), new Network("US", "2601::/20", 2),
            new Network("CA", "99.224.0.0/11", 1), new Network("CA", "70.48.0.0/13", 2),
            new Network("BR", "177.0.0.0/12", 2), new Network("MX", "187.128.0.0/10", 1),
            new Network("IN", "122.160.0.0/12", 1), new Network("IN", "2409:4000::/22", 1),
            new Network("JP", "153.128.0.0/9", 1), new Network("JP", "106.128.0.0/10", 1),
            new Network("KR", "211.32.0.0/11", 1), new Network("AU", "49.176.0.0/12", 2),
            new Network("ZA", "41.112.0.0/12", 1));
    private static final int TOTAL_WEIGHT = NETWORKS.stream().mapToInt(Network::weight).sum();

    private final long seed;

    Visitors(long seed) {
        this.seed = seed;
    }

    /** The visitor with this key (a user id or an anonymous id): always the same answer for the same key. */
    EndUser visitor(String key) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ key.hashCode() * 0xC2B2AE3D27D4EB4FL);
        return new EndUser(address(random), UserAgents.pick(random));
    }

    private static String address(SplittableRandom random) {
        int ticket = random.nextInt(TOTAL_WEIGHT);
        Network network = NETWORKS.get(NETWORKS.size() - 1);
        for (Network n : NETWORKS) {
            ticket -= n.weight();
            if (ticket < 0) {
                network = n;
                break;
            }
        }
        String[] parts = network.cidr().split("/");
        try {
            byte[] base = InetAddress.getByName(parts[0]).getAddress();
            int hostBits = base.length * 8 - Integer.parseInt(parts[1]);
            // IPv6 visitors vary in their /64 (a household's prefix); IPv4 ones anywhere in the network.
            int randomBits = base.length == 4 ? hostBits : Math.min(hostBits - 64, 48);
            BigInteger host = new BigInteger(randomBits, new java.util.Random(random.nextLong()));
            if (base.length == 16) {
                host = host.shiftLeft(64).add(BigInteger.valueOf(random.nextLong(1, 1L << 16)));
            } else if (host.signum() == 0) {
                host = BigInteger.ONE;
            }
            byte[] sum = new BigInteger(1, base).add(host).toByteArray();
            byte[] address = new byte[base.length];
            int n = Math.min(sum.length, base.length);
            System.arraycopy(sum, sum.length - n, address, base.length - n, n);
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException("Invalid network literal " + network.cidr(), e);
        }
    }
}
