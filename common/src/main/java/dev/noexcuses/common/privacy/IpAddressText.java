package dev.noexcuses.common.privacy;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/** IP address literals, parsed without ever resolving a host name. */
final class IpAddressText {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9a-fA-F:.]+");

    private IpAddressText() {}

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

    /** Whether {@code text} is an IPv6 literal (a time such as {@code 10:00:00} is not). */
    static boolean isIpv6(String text) {
        return text.contains("::") || text.chars().filter(c -> c == ':').count() == 7
                ? parse(text).filter(a -> a instanceof Inet6Address).isPresent() : false;
    }
}
