package dev.noexcuses.enricher.enrich;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/** IP address literals, parsed without ever resolving a host name. */
final class IpAddresses {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]+");

    private IpAddresses() {}

    static Optional<InetAddress> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String ip = text.trim();
        boolean literal = IPV4.matcher(ip).matches() || (ip.contains(":") && IPV6.matcher(ip).matches());
        if (!literal) {
            return Optional.empty();
        }
        try {
            // A literal is parsed in place: InetAddress does no lookup for it.
            return Optional.of(InetAddress.getByName(ip));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }
}
