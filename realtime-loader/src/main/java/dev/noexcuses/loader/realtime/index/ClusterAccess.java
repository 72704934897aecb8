package dev.noexcuses.loader.realtime.index;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import dev.noexcuses.common.tls.TrustedCertificates;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Where the search cluster is and how to log in: the {@code opensearch.*} keys.
 *
 * @param url base URL, e.g. {@code https://search.example.com:9200}
 * @param username basic-auth user, blank for none
 * @param caFile PEM bundle of the certificate authorities to trust, blank for the JVM's defaults
 * @param insecure accept any certificate (local clusters with self-signed certificates only)
 */
public record ClusterAccess(URI url, String username, String password, String caFile, boolean insecure) {
    public ClusterAccess {
        requireNonNull(url, "url is null");
        requireNonNull(username, "username is null");
        requireNonNull(password, "password is null");
        requireNonNull(caFile, "caFile is null");
    }

    public static ClusterAccess from(Config config) {
        Config c = config.getConfig("opensearch");
        String url = c.getString("url").replaceAll("/+$", "");
        if (url.isBlank()) {
            throw new IllegalArgumentException("opensearch.url is not set: start the embedded OpenSearch "
                    + "(./platform up) or configure a cluster, e.g. opensearch.url = \"https://search.example.com:9200\"");
        }
        URI uri = URI.create(url);
        if (uri.getScheme() == null || !uri.getScheme().matches("https?") || uri.getHost() == null) {
            throw new IllegalArgumentException("Invalid opensearch.url '" + url + "': expected http(s)://host:port");
        }
        return new ClusterAccess(uri, c.getString("username"), c.getString("password"), c.getString("tls.ca-file"),
                c.getBoolean("tls.insecure"));
    }

    /** The TLS context for https when the JVM's defaults do not do. */
    Optional<SSLContext> sslContext() {
        if (insecure) {
            return Optional.of(TrustedCertificates.trustingAll());
        }
        return caFile.isBlank() ? Optional.empty() : Optional.of(TrustedCertificates.fromPem(Path.of(caFile)));
    }

    @Override
    public String toString() {
        return url + (username.isBlank() ? "" : " as " + username);
    }
}
