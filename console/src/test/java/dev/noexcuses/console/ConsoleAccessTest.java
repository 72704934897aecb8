package dev.noexcuses.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import dev.noexcuses.common.admin.AdminServer;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.common.json.Json;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Who may use the console: login, session cookie, CSRF on actions, logout, and defaults only on loopback. */
class ConsoleAccessTest {
    private static ConsoleServer console;
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    static void start() {
        console = ConsoleServer.start(config(Map.of("console.port", "0")));
    }

    @AfterAll
    static void stop() {
        console.close();
    }

    private static Config config(Map<String, String> overrides) {
        return PlatformConfig.defaults(overrides);
    }

    private static HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(console.url() + path)).GET();
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String cookie, String csrf, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(console.url() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json");
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        if (csrf != null) {
            request.header("X-CSRF-Token", csrf);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> login(String user, String password) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(console.url() + "/login/submit"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("user=" + user + "&password=" + password)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The {@code name=value} part of the session cookie the login set. */
    private static String sessionCookie(HttpResponse<String> login) {
        return login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    }

    @Test
    void pagesRedirectToLoginAndApisAnswer401WithoutASession() throws Exception {
        HttpResponse<String> page = get("/pipeline", null);
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location")).hasValue("/login");
        assertThat(get("/api/pipeline", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/session", "console_session=forged").statusCode()).isEqualTo(401);
        assertThat(get("/login", null).statusCode()).isEqualTo(200);
        assertThat(get("/vendor/echarts/echarts.min.js", null).body()).contains("echarts");
    }

    @Test
    void wrongPasswordIsRefusedWithoutASession() throws Exception {
        HttpResponse<String> response = login("admin", "not-the-password");
        assertThat(response.statusCode()).isEqualTo(303);
        assertThat(response.headers().firstValue("Location")).hasValue("/login?error=invalid");
        assertThat(response.headers().firstValue("Set-Cookie")).isEmpty();
    }

    @Test
    void loginSetsAnHttpOnlySecureSameSiteStrictCookieAndActionsNeedTheCsrfToken() throws Exception {
        HttpResponse<String> login = login("admin", ConsoleServer.DEFAULT_PASSWORD);
        assertThat(login.statusCode()).isEqualTo(303);
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith("console_session=").containsIgnoringCase("HttpOnly")
                .containsIgnoringCase("Secure").containsIgnoringCase("SameSite=Strict");
        String cookie = sessionCookie(login);

        HttpResponse<String> session = get("/api/session", cookie);
        assertThat(session.statusCode()).isEqualTo(200);
        JsonNode body = Json.mapper().readTree(session.body());
        assertThat(body.get("user").asText()).isEqualTo("admin");
        String csrf = body.get("csrf_token").asText();
        assertThat(csrf).hasSizeGreaterThan(30);
        assertThat(get("/pipeline", cookie).statusCode()).isEqualTo(200);

        String replay = "{\"failure_ids\": [\"x\"]}";
        assertThat(post("/api/failed/replay", cookie, null, replay).statusCode()).isEqualTo(403);
        assertThat(post("/api/failed/replay", cookie, "wrong", replay).statusCode()).isEqualTo(403);
        // With the token the action runs (and says that no search cluster is configured here).
        HttpResponse<String> allowed = post("/api/failed/replay", cookie, csrf, replay);
        assertThat(allowed.statusCode()).isEqualTo(503);
        assertThat(allowed.body()).contains("opensearch.url");

        assertThat(post("/logout", cookie, csrf, "").statusCode()).isEqualTo(200);
        assertThat(get("/api/session", cookie).statusCode()).isEqualTo(401);
    }

    @Test
    void repeatedFailuresBlockFurtherAttemptsForThatUser() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(login("alice", "guess" + i).headers().firstValue("Location")).hasValue("/login?error=invalid");
        }
        assertThat(login("alice", "guess5").headers().firstValue("Location")).hasValue("/login?error=throttled");
    }

    @Test
    void refusesToListenBeyondLoopbackWhileTheDefaultPasswordIsConfigured() {
        assertThatThrownBy(() -> ConsoleServer.start(config(Map.of("console.port", "0", "console.host", "0.0.0.0"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("default password")
                .hasMessageContaining("console-password");
    }

    @Test
    void thePipelinePageChecksServicesWithTheAdminTokenTheirAdminEndpointsAskFor() throws Exception {
        try (AdminServer enricher = AdminServer.start(new AdminServer.Access("127.0.0.1", 0, "ops-secret"), () -> true,
                () -> true, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
            String healthUrl = "http://127.0.0.1:" + enricher.port() + "/healthz";
            assertThat(componentHealthy("ops-secret", "", healthUrl)).isTrue();
            // The same service, checked with another token: refused (401), so shown unhealthy.
            assertThat(componentHealthy("another-token", "", healthUrl)).isFalse();
            // A component declared with a token of its own is checked with that one, not the admin token.
            assertThat(componentHealthy("another-token", "ops-secret", healthUrl)).isTrue();
            assertThat(componentHealthy("ops-secret", "another-token", healthUrl)).isFalse();
        }
    }

    /**
     * Whether a console with this admin token shows the component at {@code healthUrl}, declared with
     * {@code componentToken} (blank: none of its own), as healthy.
     */
    private static boolean componentHealthy(String adminToken, String componentToken, String healthUrl)
            throws Exception {
        try (ConsoleServer withToken = ConsoleServer.start(config(Map.of("console.port", "0", "admin.token", adminToken,
                "console.components.0.name", "enricher", "console.components.0.health-url", healthUrl,
                "console.components.0.token", componentToken)))) {
            HttpResponse<String> login = HTTP.send(HttpRequest.newBuilder(URI.create(withToken.url() + "/login/submit"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("user=admin&password=" + ConsoleServer.DEFAULT_PASSWORD))
                    .build(), HttpResponse.BodyHandlers.ofString());
            HttpResponse<String> pipeline = HTTP.send(HttpRequest.newBuilder(URI.create(withToken.url() + "/api/pipeline"))
                    .header("Cookie", sessionCookie(login)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(pipeline.statusCode()).isEqualTo(200);
            for (JsonNode component : Json.mapper().readTree(pipeline.body()).get("components")) {
                if (component.get("name").asText().equals("enricher")) {
                    return component.get("healthy").asBoolean();
                }
            }
            throw new AssertionError("No enricher among the components: " + pipeline.body());
        }
    }
}
