package dev.noexcuses.infra.trino;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * How to reach a Trino server: the {@code trino.*} keys clients use ({@code ./platform sql}, tests, BI tools).
 *
 * @param url the coordinator's base URL, e.g. {@code https://trino.example.com:8443}
 * @param password blank for none (Trino accepts passwords over https only)
 * @param catalog the catalog queries use unless they name one
 * @param caFile PEM bundle of the certificate authorities to trust, blank for the JVM's defaults
 * @param insecure accept any certificate (local clusters with self-signed certificates only)
 */
public record TrinoAccess(String url, String user, String password, String catalog, String caFile, boolean insecure) {
    public TrinoAccess {
        requireNonNull(url, "url is null");
        requireNonNull(user, "user is null");
        requireNonNull(password, "password is null");
        requireNonNull(catalog, "catalog is null");
        requireNonNull(caFile, "caFile is null");
        URI uri = URI.create(url);
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null || uri.getPort() < 0) {
            throw new IllegalArgumentException("Invalid trino.url '" + url
                    + "': expected http(s)://host:port, e.g. https://trino.example.com:8443");
        }
        if (user.isBlank()) {
            throw new IllegalArgumentException("Invalid trino.user: it is blank (Trino needs a user name)");
        }
    }

    public static TrinoAccess from(Config config) {
        Config c = config.getConfig("trino");
        return new TrinoAccess(c.getString("url").replaceAll("/+$", ""), c.getString("user"), c.getString("password"),
                c.getString("catalog"), c.getString("tls.ca-file"), c.getBoolean("tls.insecure"));
    }

    public boolean tls() {
        return url.startsWith("https:");
    }

    /** The JDBC URL, e.g. {@code jdbc:trino://127.0.0.1:8088/lake}. */
    public String jdbcUrl() {
        URI uri = URI.create(url);
        return "jdbc:trino://" + uri.getHost() + ":" + uri.getPort() + "/" + catalog;
    }

    /** Connection properties for the Trino JDBC driver (user, password, TLS). */
    public Properties jdbcProperties() {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (!password.isBlank()) {
            p.setProperty("password", password);
        }
        if (tls()) {
            p.setProperty("SSL", "true");
            if (insecure) {
                p.setProperty("SSLVerification", "NONE");
            } else if (!caFile.isBlank()) {
                // The driver reads a PEM bundle as a trust store.
                p.setProperty("SSLTrustStorePath", caFile);
            }
        }
        return p;
    }

    public Map<String, String> serviceConfig() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("trino.url", url);
        keys.put("trino.user", user);
        keys.put("trino.password", password);
        keys.put("trino.catalog", catalog);
        return keys;
    }

    @Override
    public String toString() {
        return url + " as " + user;
    }
}
