package dev.noexcuses.common.tls;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS trust for clients of servers with their own certificate authority (a self-managed OpenSearch,
 * PostgreSQL or MinIO): the certificates of a PEM bundle, or, for throw-away local clusters only, none.
 */
public final class TrustedCertificates {
    private TrustedCertificates() {}

    /** Trusts the certificates in {@code pemBundle} (one or more {@code BEGIN CERTIFICATE} blocks) and no others. */
    public static SSLContext fromPem(Path pemBundle) {
        requireNonNull(pemBundle, "pemBundle is null");
        try (InputStream in = Files.newInputStream(pemBundle)) {
            Collection<? extends Certificate> certificates =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException("Invalid CA bundle " + pemBundle + ": no PEM certificate in it");
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), new SecureRandom());
            return context;
        } catch (IOException e) {
            throw new IllegalArgumentException("Cannot read CA bundle " + pemBundle + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("Invalid CA bundle " + pemBundle + ": " + e.getMessage(), e);
        }
    }

    /** Accepts any certificate: for local clusters with self-signed certificates, never for production. */
    public static SSLContext trustingAll() {
        TrustManager acceptAll = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {acceptAll}, new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("No TLS support in this JVM", e);
        }
    }
}
