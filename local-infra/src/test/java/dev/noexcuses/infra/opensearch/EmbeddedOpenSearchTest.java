package dev.noexcuses.infra.opensearch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.json.Json;
import dev.noexcuses.infra.InfraComponent;
import dev.noexcuses.infra.LocalInfra;
import dev.noexcuses.infra.SharedLocalInfra;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EmbeddedOpenSearchTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void startsARealServerThatIndexesAndSearchesAndKeepsItsDocumentsAcrossARestart() throws Exception {
        // Its own server: stopping the shared one would fail whichever test of this JVM runs meanwhile.
        try (LocalInfra infra = LocalInfra.forTests(PlatformConfig.defaults(Map.of())).start("opensearch")) {
            restartKeepsDocuments(infra);
        }
    }

    private void restartKeepsDocuments(LocalInfra infra) throws Exception {
        EmbeddedOpenSearch node = (EmbeddedOpenSearch) infra.component("opensearch").orElseThrow();
        String url = infra.serviceOverrides().get("opensearch.url");
        assertThat(url).isEqualTo(node.url()).startsWith("http://127.0.0.1:");
        assertThat(node.connectionDetails()).containsEntry("url", url).containsKey("data_dir");

        assertThat(send("PUT", url + "/restart-check/_doc/kept?refresh=true", "{\"word\":\"kept\"}").statusCode())
                .isEqualTo(201);
        var found = Json.mapper().readTree(send("GET", url + "/restart-check/_search?q=word:kept", null).body());
        assertThat(found.path("hits").path("total").path("value").asInt()).isEqualTo(1);

        node.stop();
        assertThat(node.isHealthy()).isFalse();
        node.start();
        assertThat(node.isHealthy()).isTrue();

        var kept = Json.mapper().readTree(send("GET", url + "/restart-check/_doc/kept", null).body());
        assertThat(kept.path("_source").path("word").asText()).isEqualTo("kept");
    }

    @Test
    void runsUnderAnUnprivilegedAccountWhenThisJvmIsRoot() throws Exception {
        EmbeddedOpenSearch node =
                (EmbeddedOpenSearch) SharedLocalInfra.get("opensearch").component("opensearch").orElseThrow();
        long pid = node.process().orElseThrow().pid();
        String owner = Files.getOwner(Path.of("/proc/" + pid)).getName();
        if (ServiceAccount.runningAsRoot()) {
            assertThat(owner).isEqualTo("opensearch");
        } else {
            assertThat(owner).isEqualTo(System.getProperty("user.name"));
        }
    }

    @Test
    void usesAConfiguredExternalClusterInsteadOfStartingOne() throws Exception {
        String url = SharedLocalInfra.get("opensearch").serviceOverrides().get("opensearch.url");
        var config = PlatformConfig.defaults(Map.of("opensearch.url", url + "/"));
        InfraComponent external = new OpenSearchFactory().create(config, Path.of("unused"), key -> 1);
        external.start();
        assertThat(external.embedded()).isFalse();
        assertThat(external.isHealthy()).isTrue();
        assertThat(external.serviceConfig()).containsEntry("opensearch.url", url);
        assertThat(external.connectionDetails()).containsEntry("url", url)
                .hasEntrySatisfying("version", v -> assertThat(v).startsWith("opensearch 2.19"));
    }

    @Test
    void refusesAnUnreachableExternalClusterWithTheKeyToFix() {
        var config = PlatformConfig.defaults(Map.of("opensearch.url", "http://127.0.0.1:" + LocalInfra.freePort()));
        InfraComponent external = new OpenSearchFactory().create(config, Path.of("unused"), key -> 1);
        assertThatThrownBy(external::start).hasMessageContaining("not reachable (opensearch.url)");
        assertThat(external.isHealthy()).isFalse();
    }

    private HttpResponse<String> send(String method, String url, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
