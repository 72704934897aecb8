package dev.noexcuses.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.noexcuses.registry.client.RegistryClient;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.mlflow.api.proto.ModelRegistry.ModelVersion;
import org.mlflow.api.proto.Service.Metric;
import org.mlflow.api.proto.Service.Param;
import org.mlflow.api.proto.Service.Run;
import org.mlflow.api.proto.Service.RunInfo;
import org.mlflow.api.proto.Service.RunStatus;
import org.mlflow.api.proto.Service.RunTag;
import org.mlflow.api.proto.Service.ViewType;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowHttpException;
import org.mlflow.tracking.RunsPage;
import org.mlflow.tracking.creds.BasicMlflowHostCreds;

/**
 * MLflow's own Java client (org.mlflow:mlflow-client 2.17.2) against the registry's MLflow REST paths:
 * what it creates and logs is what our API returns. Its artifact calls start a Python CLI, so artifacts
 * are tested through our API (ModelRegistryTest).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MlflowClientCompatibilityTest {
    private TestRegistry registry;
    private MlflowClient mlflow;
    private RegistryClient ours;

    @BeforeAll
    void start() {
        registry = new TestRegistry();
        mlflow = new MlflowClient(new BasicMlflowHostCreds(registry.registry.url(), TestRegistry.ALICE));
        ours = registry.client(TestRegistry.VIEWER);
    }

    @AfterAll
    void stop() {
        if (mlflow != null) {
            mlflow.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void experimentsRunsParamsAndMetricsLoggedByTheMlflowClientAreWhatOurApiReturns() {
        String experimentId = mlflow.createExperiment("mlflow-compat");
        assertThat(mlflow.getExperimentByName("mlflow-compat").orElseThrow().getExperimentId()).isEqualTo(experimentId);
        assertThat(mlflow.getExperimentByName("no-such-experiment")).isEmpty();
        assertThat(mlflow.getExperiment(experimentId).getName()).isEqualTo("mlflow-compat");

        RunInfo info = mlflow.createRun(experimentId);
        String runId = info.getRunId();
        mlflow.logParam(runId, "max_depth", "6");
        for (int step = 0; step < 4; step++) {
            mlflow.logMetric(runId, "rmse", 1.0 / (step + 1), 1_764_000_000_000L + step, step);
        }
        mlflow.logBatch(runId, List.of(Metric.newBuilder().setKey("mae").setValue(0.25).setTimestamp(1_764_000_000_100L).setStep(3).build()),
                List.of(Param.newBuilder().setKey("eta").setValue("0.1").build()),
                List.of(RunTag.newBuilder().setKey("team").setValue("growth").build()));
        mlflow.setTag(runId, "mlflow.source.git.commit", "9a8b7c6d");
        mlflow.setTerminated(runId, RunStatus.FINISHED);

        Run run = mlflow.getRun(runId);
        assertThat(run.getInfo().getStatus()).isEqualTo(RunStatus.FINISHED);
        assertThat(run.getData().getParamsList().stream().collect(Collectors.toMap(Param::getKey, Param::getValue)))
                .containsEntry("max_depth", "6").containsEntry("eta", "0.1");
        assertThat(run.getData().getMetricsList()).anySatisfy(m -> {
            assertThat(m.getKey()).isEqualTo("rmse");
            assertThat(m.getValue()).isEqualTo(0.25);
            assertThat(m.getStep()).isEqualTo(3);
        });
        assertThat(mlflow.getMetricHistory(runId, "rmse")).extracting(Metric::getStep).containsExactly(0L, 1L, 2L, 3L);

        // Our API sees the same run: parameters, the latest metrics, the full history and the commit.
        var ourRun = ours.get("/api/v1/runs/" + runId).path("run");
        assertThat(ourRun.path("experiment_id").asText()).isEqualTo(experimentId);
        assertThat(ourRun.path("params").path("max_depth").asText()).isEqualTo("6");
        assertThat(ourRun.path("tags").path("team").asText()).isEqualTo("growth");
        assertThat(ourRun.path("git_commit").asText()).isEqualTo("9a8b7c6d");
        assertThat(ourRun.path("status").asText()).isEqualTo("FINISHED");
        assertThat(ours.metricHistory(runId, "rmse")).extracting(RegistryClient.MetricPoint::value)
                .containsExactly(1.0, 0.5, 1.0 / 3, 0.25);

        // searchRuns pages through the server's pages.
        for (int i = 0; i < 4; i++) {
            String id = mlflow.createRun(experimentId).getRunId();
            mlflow.logMetric(id, "rmse", 2.0 + i);
        }
        RunsPage first = mlflow.searchRuns(List.of(experimentId), "metrics.rmse >= 0.25", ViewType.ACTIVE_ONLY, 3,
                List.of("metrics.rmse ASC"));
        assertThat(first.getItems()).hasSize(3);
        assertThat(first.getItems().get(0).getInfo().getRunId()).isEqualTo(runId);
        assertThat(first.hasNextPage()).isTrue();
        RunsPage second = (RunsPage) first.getNextPage();
        assertThat(second.getItems()).hasSize(2);
        assertThat(second.hasNextPage()).isFalse();
    }

    @Test
    void registeredModelsVersionsAndAliasesThroughTheMlflowClient() {
        String experimentId = mlflow.createExperiment("mlflow-registry");
        String runId = mlflow.createRun(experimentId).getRunId();
        mlflow.sendPost("registered-models/create", "{\"name\": \"mlflow-model\", \"description\": \"from MLflow\"}");
        mlflow.sendPost("model-versions/create", "{\"name\": \"mlflow-model\", \"source\": \"s3://bucket/models/m1\", \"run_id\": \""
                + runId + "\"}");

        ModelVersion v = mlflow.getModelVersion("mlflow-model", "1");
        assertThat(v.getSource()).isEqualTo("s3://bucket/models/m1");
        assertThat(v.getRunId()).isEqualTo(runId);
        assertThat(mlflow.getRegisteredModel("mlflow-model").getDescription()).isEqualTo("from MLflow");
        assertThat(mlflow.getLatestVersions("mlflow-model")).extracting(ModelVersion::getVersion).containsExactly("1");
        assertThat(mlflow.searchModelVersions("name = 'mlflow-model'").getItems()).hasSize(1);
        assertThat(mlflow.getModelVersionDownloadUri("mlflow-model", "1")).isEqualTo("s3://bucket/models/m1");

        mlflow.sendPost("registered-models/alias", "{\"name\": \"mlflow-model\", \"alias\": \"challenger\", \"version\": \"1\"}");
        assertThat(mlflow.sendGet("registered-models/alias?name=mlflow-model&alias=challenger")).contains("\"version\":\"1\"");
        assertThat(ours.resolve("mlflow-model", "challenger").version()).isEqualTo(1);
        // The protected alias is guarded on MLflow's path too.
        assertThatThrownBy(() -> mlflow.sendPost("registered-models/alias",
                "{\"name\": \"mlflow-model\", \"alias\": \"champion\", \"version\": \"1\"}"))
                .isInstanceOfSatisfying(MlflowHttpException.class, e -> assertThat(e.getStatusCode()).isEqualTo(403));
    }
}
