package dev.noexcuses.infra.redis;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.common.redis.RedisAccess;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Asks a Redis server whether it serves: AUTH (when there is a password) and PING over the Redis protocol,
 * with TLS for {@code rediss://}. Needs no client library, so {@code status} and {@code local-infra} can use it.
 */
public final class RedisProbe {
    private final RedisAccess access;

    public RedisProbe(RedisAccess access) {
        this.access = requireNonNull(access, "access is null");
    }

    /** Whether the server answers PONG within {@code timeout} (a server still loading its data does not). */
    public boolean ready(Duration timeout) {
        try {
            ping(timeout);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** PING; fails with the server's answer (wrong password, LOADING) or the connection's error. */
    public void ping(Duration timeout) throws IOException {
        int millis = (int) Math.max(1, timeout.toMillis());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(access.host(), access.port()), millis);
            socket.setSoTimeout(millis);
            Socket channel = socket;
            if (access.tls()) {
                SSLSocket tls = (SSLSocket) access.sslSocketFactory()
                        .createSocket(socket, access.host(), access.port(), true);
                if (!access.insecure()) {
                    SSLParameters parameters = tls.getSSLParameters();
                    parameters.setEndpointIdentificationAlgorithm("HTTPS");
                    tls.setSSLParameters(parameters);
                }
                tls.startHandshake();
                channel = tls;
            }
            OutputStream out = channel.getOutputStream();
            InputStream in = new BufferedInputStream(channel.getInputStream());
            if (!access.password().isEmpty()) {
                List<String> auth = new ArrayList<>(List.of("AUTH"));
                if (!access.username().isBlank()) {
                    auth.add(access.username());
                }
                auth.add(access.password());
                send(out, auth);
                expect(in, "+OK", "AUTH");
            }
            send(out, List.of("PING"));
            expect(in, "+PONG", "PING");
        }
    }

    private static void send(OutputStream out, List<String> command) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(("*" + command.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (String part : command) {
            byte[] b = part.getBytes(StandardCharsets.UTF_8);
            bytes.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            bytes.writeBytes(b);
            bytes.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.write(bytes.toByteArray());
        out.flush();
    }

    private static void expect(InputStream in, String expected, String command) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        if (!line.toString().equals(expected)) {
            // An error reply names the problem (WRONGPASS, NOAUTH, LOADING); it never holds the password.
            throw new IOException("Redis answered " + command + " with '" + (line.length() == 0 ? "(nothing)" : line)
                    + "'");
        }
    }
}
