package dev.noexcuses.collector.intake;

import com.linecorp.armeria.common.util.InetAddressPredicates;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.function.Predicate;

/**
 * Finds the client's address: the peer's address, unless the peer is a trusted proxy, in which case
 * the right-most {@code X-Forwarded-For} entry that is not itself a trusted proxy. Entries left of
 * that could be forged by the client, so they are never used.
 */
public final class ClientIpResolver {
    private final Predicate<InetAddress> trusted;

    public ClientIpResolver(List<String> trustedProxies) {
        Predicate<InetAddress> p = a -> false;
        for (String entry : trustedProxies) {
            Predicate<InetAddress> one = entry.contains("/") ? InetAddressPredicates.ofCidr(entry)
                    : InetAddressPredicates.ofExact(entry);
            p = p.or(one);
        }
        this.trusted = p;
    }

    public String resolve(InetAddress peer, String forwardedFor) {
        if (peer == null) {
            return null;
        }
        if (forwardedFor == null || forwardedFor.isBlank() || !trusted.test(peer)) {
            return peer.getHostAddress();
        }
        String[] hops = forwardedFor.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].trim();
            InetAddress address = parseLiteral(hop);
            if (address == null) {
                // A malformed entry ends what can be trusted; the last good hop is the best answer.
                return peer.getHostAddress();
            }
            if (!trusted.test(address)) {
                return address.getHostAddress();
            }
            peer = address;
        }
        return peer.getHostAddress();
    }

    private static InetAddress parseLiteral(String text) {
        // Only IP literals: never resolve names from a header.
        if (text.isEmpty() || !(text.matches("[0-9.]+") || text.contains(":"))) {
            return null;
        }
        try {
            return InetAddress.getByName(text.startsWith("[") ? text.substring(1, text.indexOf(']')) : text);
        } catch (UnknownHostException | RuntimeException e) {
            return null;
        }
    }
}
