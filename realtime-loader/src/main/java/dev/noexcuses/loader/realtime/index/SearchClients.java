package dev.noexcuses.loader.realtime.index;

import dev.noexcuses.common.json.Json;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.hc.client5.http.auth.AuthScope;
import org.apache.hc.client5.http.auth.UsernamePasswordCredentials;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.auth.BasicCredentialsProvider;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.util.Timeout;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.transport.OpenSearchTransport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;

/** Builds opensearch-java clients (Apache HttpClient 5 transport) for a {@link ClusterAccess}. */
public final class SearchClients {
    private SearchClients() {}

    /**
     * A client whose documents are serialised by the platform's one JSON mapper. Close its
     * {@code _transport()} when done.
     */
    public static OpenSearchClient create(ClusterAccess access, Duration requestTimeout) {
        HttpHost host = new HttpHost(access.url().getScheme(), access.url().getHost(), port(access));
        OpenSearchTransport transport = ApacheHttpClient5TransportBuilder.builder(host)
                .setMapper(new JacksonJsonpMapper(Json.mapper()))
                .setRequestConfigCallback(request -> request
                        .setResponseTimeout(Timeout.of(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)))
                .setHttpClientConfigCallback(client -> {
                    if (!access.username().isBlank()) {
                        BasicCredentialsProvider credentials = new BasicCredentialsProvider();
                        credentials.setCredentials(new AuthScope(host),
                                new UsernamePasswordCredentials(access.username(), access.password().toCharArray()));
                        client.setDefaultCredentialsProvider(credentials);
                    }
                    PoolingAsyncClientConnectionManagerBuilder connections = PoolingAsyncClientConnectionManagerBuilder
                            .create()
                            .setDefaultConnectionConfig(ConnectionConfig.custom()
                                    .setConnectTimeout(Timeout.ofSeconds(5)).build());
                    access.sslContext().ifPresent(ssl -> {
                        ClientTlsStrategyBuilder tls = ClientTlsStrategyBuilder.create().setSslContext(ssl);
                        if (access.insecure()) {
                            tls.setHostnameVerifier(NoopHostnameVerifier.INSTANCE);
                        }
                        connections.setTlsStrategy(tls.build());
                    });
                    return client.setConnectionManager(connections.build());
                })
                .build();
        // The response timeout bounds a request on the wire; the deadline bounds the whole call, a
        // little later, so the client's own timeout answers first whenever it can.
        return new OpenSearchClient(new DeadlineTransport(transport, requestTimeout.plusSeconds(10)));
    }

    private static int port(ClusterAccess access) {
        int port = access.url().getPort();
        if (port > 0) {
            return port;
        }
        return access.url().getScheme().equals("https") ? 443 : 80;
    }

    /** Closes the client's connections. */
    public static void close(OpenSearchClient client) {
        try {
            client._transport().close();
        } catch (Exception e) {
            // Closing is best effort: the process is usually on its way out.
        }
    }
}
