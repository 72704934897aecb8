package dev.noexcuses.lakehouse.host;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.noexcuses.lakehouse.LakeSessions;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkContext;

/**
 * A long-lived Spark driver that runs the platform's batch jobs (lakehouse, features, ML) one after the
 * other on one warm session, instead of a JVM and a Spark start per job: {@code POST /v1/jobs} with
 * {@code {"main": class, "args": [...], "env": {...}}} runs {@code main.run(args, env, sessions)} and
 * streams its output back ({@link JobFrames}); {@code GET /health}. Listens on loopback only, behind a
 * bearer token; runs only the entry points it was started with. When the caller goes away, its job is
 * cancelled.
 */
public final class JobHost implements AutoCloseable {
    /** The environment variable holding the host's bearer token. */
    public static final String TOKEN_ENV = "SPARK_JOB_HOST_TOKEN";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long HEARTBEAT_MILLIS = 5_000;

    private volatile SharedSession session;
    private volatile JobOutput output;
    private final byte[] token;
    private final Set<String> mains;
    private final HttpServer server;
    private final ExecutorService handlers;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(r -> daemon(r, "spark-job-host-runner"));
    private final AtomicInteger inHost = new AtomicInteger();
    private final AtomicLong sequence = new AtomicLong();

    private JobHost(String token, Set<String> mains, int port) throws IOException {
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.mains = Set.copyOf(mains);
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        this.handlers = Executors.newCachedThreadPool(r -> daemon(r, "spark-job-host-http"));
        server.setExecutor(handlers);
        server.createContext("/health", this::health);
        server.createContext("/v1/jobs", this::job);
        server.start();
    }

    /**
     * Listens on 127.0.0.1:{@code port} (0: any free port) at once, answering health checks, and refusing
     * jobs (503) until {@link #serve} gives it its session. {@code mains}: the entry points it may run.
     */
    static JobHost listen(String token, Set<String> mains, int port) throws IOException {
        if (requireNonNull(token, "token is null").isBlank()) {
            throw new IllegalArgumentException("The job host needs a token (" + TOKEN_ENV + ")");
        }
        return new JobHost(token, mains, port);
    }

    /** Runs jobs from now on, on {@code session}; {@code output} is this JVM's routed standard output. */
    void serve(SharedSession session, JobOutput output) {
        this.output = requireNonNull(output, "output is null");
        this.session = requireNonNull(session, "session is null");
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    private void health(HttpExchange exchange) throws IOException {
        SharedSession s = session;
        if (s != null && s.spark().sparkContext().isStopped()) {
            answer(exchange, 503, "Spark is stopped\n");
        } else {
            answer(exchange, 200, s == null ? "starting Spark\n" : "ready\n");
        }
    }

    private void job(HttpExchange exchange) throws IOException {
        try {
            if (!exchange.getRequestMethod().equals("POST")) {
                answer(exchange, 405, "POST a job\n");
                return;
            }
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            byte[] given = auth == null ? new byte[0] : auth.replaceFirst("^Bearer ", "").getBytes(StandardCharsets.UTF_8);
            if (auth == null || !auth.startsWith("Bearer ") || !MessageDigest.isEqual(given, token)) {
                answer(exchange, 401, "A bearer token is required (the host's state file holds it)\n");
                return;
            }
            if (session == null) {
                answer(exchange, 503, "Still starting Spark\n");
                return;
            }
            Request request;
            try {
                request = Request.parse(JSON.readTree(exchange.getRequestBody()), mains);
            } catch (IOException | IllegalArgumentException e) {
                answer(exchange, 400, "Invalid job: " + e.getMessage() + "\n");
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            exchange.sendResponseHeaders(200, 0);
            JobFrames frames = new JobFrames(exchange.getResponseBody());
            frames.exit(follow(request, frames));
        } finally {
            exchange.close();
        }
    }

    /** Queues the job, keeps its caller informed while it waits and runs, and cancels it when the caller goes. */
    private int follow(Request request, JobFrames frames) {
        int ahead = inHost.getAndIncrement();
        String group = "job-" + sequence.incrementAndGet();
        try {
            if (ahead > 0) {
                frames.line(JobFrames.OUT, "Spark job host: waiting for " + ahead + " job(s) ahead of this one");
            }
            Future<Integer> run = runner.submit(() -> run(request, frames, group));
            while (true) {
                try {
                    return run.get(HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillRunning) {
                    if (!frames.heartbeat()) {
                        cancel(run, group);
                        return 1;
                    }
                } catch (CancellationException e) {
                    return 1;
                } catch (ExecutionException e) {
                    frames.line(JobFrames.ERR, "Spark job host: the job failed: " + e.getCause());
                    return 1;
                } catch (InterruptedException e) {
                    cancel(run, group);
                    Thread.currentThread().interrupt();
                    return 1;
                }
            }
        } finally {
            inHost.decrementAndGet();
        }
    }

    private void cancel(Future<Integer> run, String group) {
        run.cancel(true);
        session.spark().sparkContext().cancelJobGroup(group);
        System.err.println("Spark job host: the caller of " + group + " went away; the job is cancelled");
    }

    private int run(Request request, JobFrames frames, String group) {
        if (frames.broken()) {
            return 1;
        }
        SparkContext context = session.spark().sparkContext();
        output.routeTo(frames);
        context.setJobGroup(group, request.describe(), true);
        long started = System.nanoTime();
        try {
            Method run = Class.forName(request.main()).getMethod("run", String[].class, Map.class, LakeSessions.class);
            return (Integer) run.invoke(null, request.args().toArray(String[]::new), request.env(), session);
        } catch (InvocationTargetException e) {
            System.err.println("Spark job host: " + request.describe() + " failed:");
            e.getCause().printStackTrace(System.err);
            return 1;
        } catch (ReflectiveOperationException | ClassCastException e) {
            System.err.println("Spark job host cannot run " + request.main() + ": " + e);
            return 1;
        } finally {
            context.clearJobGroup();
            output.routeTo(null);
            System.out.printf("Spark job host: %s done in %.1f s%n", request.describe(),
                    (System.nanoTime() - started) / 1e9);
        }
    }

    private static void answer(HttpExchange exchange, int status, String text) throws IOException {
        byte[] body = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Stops taking jobs; a job running now is cancelled. */
    @Override
    public void close() {
        server.stop(0);
        runner.shutdownNow();
        handlers.shutdownNow();
    }

    /** A job to run: an allowed entry point, its arguments and its environment (the secrets it needs). */
    record Request(String main, List<String> args, Map<String, String> env) {
        static Request parse(JsonNode body, Set<String> mains) {
            String main = body.path("main").asText("");
            if (!mains.contains(main)) {
                throw new IllegalArgumentException("main " + (main.isBlank() ? "missing" : main)
                        + ", expected one of " + mains);
            }
            List<String> args = new ArrayList<>();
            body.path("args").forEach(a -> args.add(a.asText()));
            Map<String, String> env = new LinkedHashMap<>();
            body.path("env").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
            return new Request(main, List.copyOf(args), Map.copyOf(env));
        }

        /** The entry point's short name and its first argument (the job), for logs and Spark's UI. */
        String describe() {
            return main.substring(main.lastIndexOf('.') + 1) + (args.isEmpty() ? "" : " " + args.get(0))
                    + args.stream().dropWhile(a -> !a.equals("--date") && !a.equals("--from")).limit(2)
                    .reduce("", (x, y) -> x + " " + y);
        }
    }
}
