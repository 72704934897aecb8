package dev.noexcuses.bench.collector;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.bench.Latencies;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed-rate (open-loop) HTTP/1.1 load generator, run in a JVM of its own so that it shares neither the
 * heap, the garbage collector nor the event loops of the server it measures: what wrk2 does, in Java.
 *
 * <p>Request {@code k} is due at {@code start + k / rate}, whether or not earlier ones were answered. Each of
 * the {@code connections} kept-alive connections (no pipelining, like wrk's) has a thread of its own that takes
 * the next due request as soon as its previous answer is in, waits for the due time, writes the pre-built
 * request bytes and reads the answer. Latency is counted from the due time, not from the write: a server that
 * stalls shows as latency of the requests that queued behind it (coordinated omission corrected, as in
 * wrk2), not as a lower rate. How late requests were written tells whether the generator kept its schedule.
 *
 * <p>Run: {@code FixedRateGenerator URL RATE WARMUP_SECONDS SECONDS CONNECTIONS BODIES_FILE [HEADER: VALUE]...}:
 * {@code POST}s to URL each line of BODIES_FILE in turn (JSON lines); prints one {@link Report} line.
 */
public final class FixedRateGenerator {
    /** Answers slower than this count as connection errors (the connection is opened again). */
    private static final int READ_TIMEOUT_MS = 10_000;

    /** What one run measured, over the requests due after the warm-up. Latencies in milliseconds. */
    record Report(int rate, int seconds, int connections, long requests, double achievedPerSecond, double p50,
                  double p90, double p99, double p999, double max, long non2xx, long connectionErrors,
                  double lateP99, double lateMax, long waitedForConnection, double cpuMicrosPerRequest) {
        private static final String PREFIX = "fixed-rate-report ";

        long errors() {
            return non2xx + connectionErrors;
        }

        String toLine() {
            return PREFIX + String.format(Locale.ROOT, "rate=%d seconds=%d connections=%d requests=%d achieved=%.1f"
                            + " p50=%.3f p90=%.3f p99=%.3f p999=%.3f max=%.3f non2xx=%d connection_errors=%d"
                            + " late_p99=%.3f late_max=%.3f waited_for_connection=%d cpu_us_per_request=%.1f", rate,
                    seconds, connections, requests, achievedPerSecond, p50, p90, p99, p999, max, non2xx, connectionErrors,
                    lateP99, lateMax, waitedForConnection, cpuMicrosPerRequest);
        }

        /** The report in the generator's output; fails naming the output when there is none. */
        static Report parse(String output) {
            String line = output.lines().filter(l -> l.startsWith(PREFIX)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("No report in the load generator's output:\n" + output));
            Map<String, String> v = new LinkedHashMap<>();
            for (String pair : line.substring(PREFIX.length()).trim().split(" ")) {
                int eq = pair.indexOf('=');
                v.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
            return new Report(Integer.parseInt(v.get("rate")), Integer.parseInt(v.get("seconds")),
                    Integer.parseInt(v.get("connections")), Long.parseLong(v.get("requests")),
                    Double.parseDouble(v.get("achieved")), Double.parseDouble(v.get("p50")),
                    Double.parseDouble(v.get("p90")), Double.parseDouble(v.get("p99")),
                    Double.parseDouble(v.get("p999")), Double.parseDouble(v.get("max")),
                    Long.parseLong(v.get("non2xx")), Long.parseLong(v.get("connection_errors")),
                    Double.parseDouble(v.get("late_p99")), Double.parseDouble(v.get("late_max")),
                    Long.parseLong(v.get("waited_for_connection")), Double.parseDouble(v.get("cpu_us_per_request")));
        }
    }

    /** The schedule: request {@code k} is due {@code k} intervals after the start, in {@link System#nanoTime}. */
    record Schedule(long startNanos, int rate, long warmUpNanos, long measureNanos) {
        long due(long k) {
            // k * 1e9 stays far below Long.MAX_VALUE for any run of hours at millions per second.
            return startNanos + k * 1_000_000_000L / rate;
        }

        long measureStart() {
            return startNanos + warmUpNanos;
        }

        long end() {
            return measureStart() + measureNanos;
        }

        boolean measured(long due) {
            return due >= measureStart();
        }
    }

    private final InetSocketAddress server;
    private final List<byte[]> requests;
    private final Schedule schedule;
    private final int connections;
    private final AtomicLong next = new AtomicLong();
    private final Latencies latencies = new Latencies(0);
    private final Latencies lateness = new Latencies(0);
    private final AtomicLong measured = new AtomicLong();
    private final AtomicLong lastAnswer = new AtomicLong();
    private final AtomicLong non2xx = new AtomicLong();
    private final AtomicLong connectionErrors = new AtomicLong();
    private final AtomicLong waitedForConnection = new AtomicLong();

    private FixedRateGenerator(InetSocketAddress server, List<byte[]> requests, Schedule schedule, int connections) {
        this.server = requireNonNull(server, "server is null");
        this.requests = List.copyOf(requests);
        this.schedule = requireNonNull(schedule, "schedule is null");
        this.connections = connections;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: FixedRateGenerator URL RATE WARMUP_SECONDS SECONDS CONNECTIONS BODIES_FILE"
                    + " [HEADER: VALUE]...");
            System.exit(2);
        }
        URI url = URI.create(args[0]);
        int rate = Integer.parseInt(args[1]);
        int warmUp = Integer.parseInt(args[2]);
        int seconds = Integer.parseInt(args[3]);
        int connections = Integer.parseInt(args[4]);
        List<String> headers = List.of(args).subList(6, args.length);
        List<byte[]> requests = Files.readAllLines(Path.of(args[5]), StandardCharsets.UTF_8).stream()
                .filter(l -> !l.isBlank()).map(body -> post(url, headers, body)).toList();
        if (rate <= 0 || seconds <= 0 || connections <= 0 || requests.isEmpty()) {
            throw new IllegalArgumentException("Invalid run: rate " + rate + "/s, " + seconds + " s, " + connections
                    + " connections, " + requests.size() + " bodies (each must be positive)");
        }
        // The threads start 100 ms before the first request is due, so none starts late.
        Schedule schedule = new Schedule(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100), rate,
                TimeUnit.SECONDS.toNanos(warmUp), TimeUnit.SECONDS.toNanos(seconds));
        Report report = new FixedRateGenerator(new InetSocketAddress(url.getHost(), url.getPort()), requests, schedule,
                connections).run(seconds);
        System.out.println(report.toLine());
    }

    /** The bytes of one {@code POST} of {@code body} as JSON, with {@code headers} ("Name: value"). */
    static byte[] post(URI url, List<String> headers, String body) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("POST ").append(url.getRawPath()).append(" HTTP/1.1\r\n")
                .append("Host: ").append(url.getHost()).append(':').append(url.getPort()).append("\r\n")
                .append("Content-Type: application/json\r\n")
                .append("Content-Length: ").append(content.length).append("\r\n");
        headers.forEach(h -> head.append(h).append("\r\n"));
        head.append("\r\n");
        byte[] start = head.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[start.length + content.length];
        System.arraycopy(start, 0, request, 0, start.length);
        System.arraycopy(content, 0, request, start.length, content.length);
        return request;
    }

    private Report run(int seconds) throws InterruptedException {
        // The generator's own CPU over the whole run (warm-up included), per request sent.
        long cpuBefore = processCpuNanos();
        List<Thread> senders = new ArrayList<>(connections);
        for (int c = 0; c < connections; c++) {
            Thread t = new Thread(this::send, "sender-" + c);
            t.setDaemon(true);
            t.start();
            senders.add(t);
        }
        for (Thread t : senders) {
            t.join();
        }
        double cpuMicrosPerRequest = (processCpuNanos() - cpuBefore) / 1e3 / Math.max(1, next.get() - connections);
        double measuredSeconds = Math.max(lastAnswer.get() - schedule.measureStart(), 1) / 1e9;
        return new Report(schedule.rate(), seconds, connections, measured.get(), measured.get() / measuredSeconds,
                latencies.percentileMs(50), latencies.percentileMs(90), latencies.percentileMs(99),
                latencies.percentileMs(99.9), latencies.percentileMs(100), non2xx.get(), connectionErrors.get(),
                lateness.percentileMs(99), lateness.percentileMs(100), waitedForConnection.get(), cpuMicrosPerRequest);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** One connection's thread: the next due request once the previous answer is in, until the schedule ends. */
    private void send() {
        Connection connection = null;
        for (long k = next.getAndIncrement(); schedule.due(k) < schedule.end(); k = next.getAndIncrement()) {
            long due = schedule.due(k);
            boolean late = System.nanoTime() > due;
            for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            long written = System.nanoTime();
            int status;
            try {
                if (connection == null) {
                    connection = new Connection(server);
                }
                status = connection.exchange(requests.get((int) (k % requests.size())));
            } catch (IOException e) {
                status = -1;
                connection = closeQuietly(connection);
            }
            long answered = System.nanoTime();
            if (!schedule.measured(due)) {
                continue;
            }
            latencies.add(answered - due);
            lateness.add(written - due);
            measured.incrementAndGet();
            lastAnswer.accumulateAndGet(answered, Math::max);
            if (late) {
                waitedForConnection.incrementAndGet();
            }
            if (status < 0) {
                connectionErrors.incrementAndGet();
            } else if (status < 200 || status > 299) {
                non2xx.incrementAndGet();
            }
            if (connection != null && connection.closedByServer()) {
                connection = closeQuietly(connection);
            }
        }
        closeQuietly(connection);
    }

    private static Connection closeQuietly(Connection connection) {
        if (connection != null) {
            connection.close();
        }
        return null;
    }

    /**
     * One kept-alive HTTP/1.1 connection: writes a request, reads the status line, the headers and the body
     * ({@code Content-Length} or chunked; none for 204 and 304) from its own buffer.
     */
    static final class Connection implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        private final byte[] buffer = new byte[16 * 1024];
        private int position;
        private int limit;
        private boolean closedByServer;

        Connection(InetSocketAddress server) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            socket.connect(server, READ_TIMEOUT_MS);
            out = socket.getOutputStream();
            in = socket.getInputStream();
        }

        /** Sends {@code request} and reads its whole answer; returns the status. */
        int exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String statusLine = line();
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = status == 204 || status == 304 ? 0 : -1;
            boolean chunked = false;
            for (String header = line(); !header.isEmpty(); header = line()) {
                int colon = header.indexOf(':');
                String name = header.substring(0, Math.max(colon, 0)).trim().toLowerCase(Locale.ROOT);
                String value = header.substring(colon + 1).trim();
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.equalsIgnoreCase("chunked");
                    case "connection" -> closedByServer = value.equalsIgnoreCase("close");
                    default -> { }
                }
            }
            if (chunked) {
                for (long size = Long.parseLong(line().split(";")[0].trim(), 16); size > 0;
                     size = Long.parseLong(line().split(";")[0].trim(), 16)) {
                    skip(size);
                    line();
                }
                while (!line().isEmpty()) {
                    // trailers
                }
            } else if (length >= 0) {
                skip(length);
            } else {
                throw new IOException("An answer with neither Content-Length nor chunked encoding: " + statusLine);
            }
            return status;
        }

        boolean closedByServer() {
            return closedByServer;
        }

        private String line() throws IOException {
            StringBuilder b = new StringBuilder(64);
            for (int c = read(); c != '\n'; c = read()) {
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }

        private int read() throws IOException {
            if (position == limit) {
                fill();
            }
            return buffer[position++] & 0xff;
        }

        private void skip(long bytes) throws IOException {
            for (long left = bytes; left > 0; ) {
                if (position == limit) {
                    fill();
                }
                int n = (int) Math.min(left, limit - position);
                position += n;
                left -= n;
            }
        }

        private void fill() throws IOException {
            int n = in.read(buffer);
            if (n < 0) {
                throw new IOException("The server closed the connection");
            }
            position = 0;
            limit = n;
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing after an error: nothing left to do
            }
        }
    }

    /** Runs the generator as a child process on this JVM's classpath and returns its report. */
    static Report runInOwnJvm(URI url, int rate, Duration warmUp, Duration measure, int connections, Path bodies,
                              List<String> headers) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                // A small heap that is never collected under load: a few bytes per request.
                "-Xms256m", "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                FixedRateGenerator.class.getName(), url.toString(), String.valueOf(rate),
                String.valueOf(warmUp.toSeconds()), String.valueOf(measure.toSeconds()), String.valueOf(connections),
                bodies.toString()));
        command.addAll(headers);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IllegalStateException("The load generator failed (exit " + process.exitValue() + "):\n" + output);
        }
        return Report.parse(output);
    }
}
