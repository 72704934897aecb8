package dev.noexcuses.common.redis;

import static java.util.Objects.requireNonNull;

import com.typesafe.config.Config;
import dev.noexcuses.common.tls.TrustedCertificates;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLSocketFactory;

/**
 * How to reach the platform's Redis (the feature store's online store, model scores): the {@code redis.*}
 * keys. The embedded server started by {@code local-infra} sets them; a configured Redis or Valkey
 * ({@code redis.url}, {@code rediss://} for TLS) replaces it.
 *
 * @param url {@code redis://host:port[/db]} or {@code rediss://host:port[/db]} (TLS)
 * @param username blank for Redis's {@code default} user
 * @param password blank for a server without authentication
 * @param caFile PEM bundle of the certificate authorities to trust for TLS, blank for the JVM's defaults
 * @param insecure accept any certificate (local servers with self-signed certificates only)
 */
public record RedisAccess(String url, String username, String password, String caFile, boolean insecure) {
    public RedisAccess {
        requireNonNull(url, "url is null");
        requireNonNull(username, "username is null");
        requireNonNull(password, "password is null");
        requireNonNull(caFile, "caFile is null");
        URI uri = parse(url);
        if (uri.getUserInfo() != null) {
            // Credentials in the URL are accepted but kept apart, so the URL itself can be shown.
            String[] parts = uri.getRawUserInfo().split(":", 2);
            if (username.isBlank() && parts.length == 2 && !parts[0].isEmpty()) {
                username = decode(parts[0]);
            }
            if (password.isBlank()) {
                password = decode(parts.length == 2 ? parts[1] : parts[0]);
            }
            url = uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort()
                    + (uri.getPath() == null ? "" : uri.getPath());
        }
    }

    private static URI parse(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw invalid(url);
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("redis") || uri.getScheme().equals("rediss"))
                || uri.getHost() == null || uri.getPort() < 0) {
            throw invalid(url);
        }
        String path = uri.getPath() == null ? "" : uri.getPath();
        if (!path.isEmpty() && !path.equals("/") && !path.substring(1).matches("\\d{1,2}")) {
            throw invalid(url);
        }
        return uri;
    }

    private static IllegalArgumentException invalid(String url) {
        // The URL may hold a password: only its shape is described.
        return new IllegalArgumentException("Invalid redis.url '" + url.replaceAll("//[^@/]*@", "//***@")
                + "': expected redis://host:port[/db] or rediss://host:port[/db] (TLS)");
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }

    /** The {@code redis.*} keys of {@code config}; fails with the key's name when {@code redis.url} is blank. */
    public static RedisAccess from(Config config) {
        Config c = config.getConfig("redis");
        if (c.getString("url").isBlank()) {
            throw new IllegalArgumentException("redis.url is blank: start the platform (./platform up) or set "
                    + "redis.url to a Redis or Valkey server");
        }
        return new RedisAccess(c.getString("url"), c.getString("username"), c.getString("password"),
                c.getString("tls.ca-file"), c.getBoolean("tls.insecure"));
    }

    public String host() {
        return URI.create(url).getHost();
    }

    public int port() {
        return URI.create(url).getPort();
    }

    /** The logical database of the URL's path, 0 when none. */
    public int database() {
        String path = URI.create(url).getPath();
        return path == null || path.length() <= 1 ? 0 : Integer.parseInt(path.substring(1));
    }

    public boolean tls() {
        return url.startsWith("rediss:");
    }

    /** The sockets for {@code rediss://}: the CA bundle's certificates, any (insecure), or the JVM's trust. */
    public SSLSocketFactory sslSocketFactory() {
        if (insecure) {
            return TrustedCertificates.trustingAll().getSocketFactory();
        }
        if (!caFile.isBlank()) {
            return TrustedCertificates.fromPem(Path.of(caFile)).getSocketFactory();
        }
        return (SSLSocketFactory) SSLSocketFactory.getDefault();
    }

    public Map<String, String> serviceConfig() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("redis.url", url);
        keys.put("redis.username", username);
        keys.put("redis.password", password);
        keys.put("redis.tls.ca-file", caFile);
        keys.put("redis.tls.insecure", String.valueOf(insecure));
        return keys;
    }
}
