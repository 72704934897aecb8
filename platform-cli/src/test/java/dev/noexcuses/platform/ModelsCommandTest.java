package dev.noexcuses.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.noexcuses.common.config.PlatformConfig;
import dev.noexcuses.infra.SharedLocalInfra;
import dev.noexcuses.platform.cli.Commands;
import dev.noexcuses.registry.ModelRegistry;
import dev.noexcuses.registry.client.RegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ./platform models and ./platform runs as users type them, against a registry on the real PostgreSQL and
 * S3 with the shipped users: the data scientist asks, cannot approve, the reviewer approves.
 */
class ModelsCommandTest {
    @TempDir
    Path dataDir;

    @Test
    void aPromotionIsRequestedRefusedToTheRequesterApprovedByTheReviewerAndShownInTheHistory() throws Exception {
        Map<String, String> shared = SharedLocalInfra.get("postgres", "s3").serviceOverrides();
        String url = shared.get("postgres.jdbc-url");
        String name = "models_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(url, shared.get("postgres.user"), shared.get("postgres.password"));
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        Map<String, String> settings = new HashMap<>(Map.of("postgres.jdbc-url", url.substring(0, url.lastIndexOf('/') + 1) + name,
                "model-registry.port", "0", "model-registry.artifacts-prefix", "cli-test/" + name));
        // The test's own database wins over the shared infrastructure's default one.
        Config config = ConfigFactory.parseMap(settings)
                .withFallback(SharedLocalInfra.get("postgres", "s3").serviceConfig(PlatformConfig.defaults(settings)));
        try (ModelRegistry registry = ModelRegistry.start(config)) {
            List<String> connection = List.of("--data-dir", dataDir.toString(), "--url", registry.url());
            RegistryClient pipeline = RegistryClient.create(URI.create(registry.url()), "local-dev-ml-pipeline-token");
            RegistryClient.RunHandle run = pipeline.startRun("churn-cli", "xgb-depth-6", "4f2c9e1d", Map.of("max_depth", "6"),
                    List.of(new RegistryClient.DatasetRef("features.user_daily", 77L, "training")));
            run.logMetric("auc", 0.81, 0);
            run.finish("FINISHED");
            pipeline.registerVersion("churn-cli", run.runId(), "model", List.of(new RegistryClient.Feature("sessions_7d", "double")),
                    List.of(new RegistryClient.Gate("auc-above-baseline", true, "0.81 >= 0.75")));
            Instant beforePromotion = Instant.now();

            assertThat(run(connection, "runs", "list", "churn-cli").out()).contains(run.runId(), "xgb-depth-6", "auc=0.8100", "(last page)");
            assertThat(run(connection, "runs", "show", run.runId()).out()).contains("max_depth = 6", "features.user_daily at snapshot 77");

            Output requested = run(connection, "models", "request-promotion", "churn-cli", "1", "--reason", "first model in production");
            assertThat(requested.code()).as(requested.err()).isZero();
            Matcher id = Pattern.compile("Promotion request (\\d+)").matcher(requested.out());
            assertThat(id.find()).as(requested.out()).isTrue();
            // The default CLI user is the requester, and an editor: no approval of their own request.
            Output self = run(connection, "models", "approve", id.group(1));
            assertThat(self.code()).isEqualTo(2);
            assertThat(self.err()).contains("lacks the approver role");
            assertThat(run(connection, "models", "requests").out()).contains("churn-cli v1 -> champion", "data-scientist");

            Output approved = run(connection, "models", "approve", id.group(1), "--token", "local-dev-reviewer-token");
            assertThat(approved.code()).as(approved.err()).isZero();
            assertThat(approved.out()).contains("champion -> v1", "approved by reviewer");

            assertThat(run(connection, "models", "list").out()).contains("churn-cli", "champion=v1");
            assertThat(run(connection, "models", "show", "churn-cli", "--version", "1").out())
                    .contains("auc-above-baseline", "passed", "4f2c9e1d", "features.user_daily at snapshot 77");
            assertThat(run(connection, "models", "history", "churn-cli").out()).contains("champion", "- -> v1", "reviewer",
                    "first model in production");
            assertThat(run(connection, "models", "history", "churn-cli", "--as-of", beforePromotion.toString()).out())
                    .contains("no alias pointed at a version");
            assertThat(run(connection, "models", "history", "churn-cli", "--as-of", Instant.now().toString()).out())
                    .containsPattern("champion\\s+v1");
            // Without a registry to talk to, it says where one comes from.
            Output none = run(List.of("--data-dir", dataDir.toString()), "models", "list");
            assertThat(none.code()).isEqualTo(2);
            assertThat(none.err()).contains("No model registry");
        }
    }

    private record Output(int code, String out, String err) {}

    private static Output run(List<String> connection, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(connection);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Commands.execute(all.toArray(String[]::new));
            return new Output(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }
}
