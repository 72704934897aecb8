package dev.noexcuses.infra.opensearch;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import dev.noexcuses.common.tls.TrustedCertificates;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * How to reach an OpenSearch or Elasticsearch cluster: the {@code opensearch.*} keys services use.
 *
 * @param url base URL, e.g. {@code https://search.example.com:9200}
 * @param username basic-auth user, blank for none
 * @param caFile PEM bundle of the certificate authorities to trust, blank for the JVM's defaults
 * @param insecure accept any certificate (local clusters with self-signed certificates only)
 */
public record OpenSearchAccess(String url, String username, String password, String caFile, boolean insecure) {
    public OpenSearchAccess {
        requireNonNull(url, "url is null");
        requireNonNull(username, "username is null");
        requireNonNull(password, "password is null");
        requireNonNull(caFile, "caFile is null");
        URI uri = URI.create(url);
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            throw new IllegalArgumentException("Invalid opensearch.url '" + url
                    + "': expected http(s)://host:port, e.g. https://search.example.com:9200");
        }
    }

    public static OpenSearchAccess from(Config config) {
        Config c = config.getConfig("opensearch");
        return new OpenSearchAccess(c.getString("url").replaceAll("/+$", ""), c.getString("username"),
                c.getString("password"), c.getString("tls.ca-file"), c.getBoolean("tls.insecure"));
    }

    public static OpenSearchAccess local(String url) {
        return new OpenSearchAccess(url, "", "", "", false);
    }

    /** The TLS context to use for https, when the defaults do not do. */
    public Optional<SSLContext> sslContext() {
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
