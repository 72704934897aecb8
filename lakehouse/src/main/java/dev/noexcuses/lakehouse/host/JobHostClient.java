package dev.noexcuses.lakehouse.host;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Hands a job to a running {@link JobHost} and follows it: its output printed here, its exit code returned. */
public final class JobHostClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HostState host;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private JobHostClient(HostState host) {
        this.host = requireNonNull(host, "host is null");
    }

    /** The job host of the platform whose data directory is {@code dataDir}, when one is running. */
    public static Optional<JobHostClient> find(Path dataDir) {
        return HostState.read(HostState.file(dataDir)).map(JobHostClient::new);
    }

    public String url() {
        return host.url();
    }

    /** The Spark master the host's session runs on: a job for another master runs elsewhere. */
    public String master() {
        return host.master();
    }

    /** The host did not take the job (not answering, or refused it): nothing ran, the job can run elsewhere. */
    public static final class NotTaken extends IOException {
        NotTaken(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Runs {@code main}'s job with {@code args} and {@code env} on the host, printing its output on
     * {@code out} and {@code err} as it comes; returns its exit code (1 when the host stopped during the job).
     */
    public int run(String main, List<String> args, Map<String, String> env, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode().put("main", main);
        args.forEach(body.putArray("args")::add);
        ObjectNode e = body.putObject("env");
        env.forEach(e::put);
        HttpRequest request = HttpRequest.newBuilder(URI.create(host.url() + "/v1/jobs"))
                .header("Authorization", "Bearer " + host.token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException notAnswering) {
            throw new NotTaken("the Spark job host at " + host.url() + " is not answering (" + notAnswering + ")",
                    notAnswering);
        }
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            if (response.statusCode() != 200) {
                String why = String.join(" ", lines.lines().toList()).trim();
                throw new NotTaken("the Spark job host at " + host.url() + " refused the job: " + response.statusCode()
                        + " " + why, null);
            }
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isEmpty()) {
                    continue;
                }
                String text = line.length() > 2 ? line.substring(2) : "";
                switch (line.charAt(0)) {
                    case JobFrames.OUT -> out.println(text);
                    case JobFrames.ERR -> err.println(text);
                    case JobFrames.EXIT -> {
                        return Integer.parseInt(text.trim());
                    }
                    default -> {
                        // A heartbeat.
                    }
                }
            }
        }
        err.println("The Spark job host at " + host.url() + " stopped during the job (its log: the platform's data "
                + "directory, logs/spark-job-host.log)");
        return 1;
    }
}
