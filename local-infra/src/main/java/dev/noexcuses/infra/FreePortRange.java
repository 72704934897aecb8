package dev.noexcuses.infra;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ports below the kernel's ephemeral range, handed out in turn for {@link Ports#freePort()}; one per JVM,
 * since the point is that no two callers in it get the same port.
 */
final class FreePortRange {
    private static final int SIZE = 12_000;
    private static final int LOW;
    private static final int COUNT;
    private static final AtomicInteger NEXT;

    static {
        int ephemeralLow = ephemeralLow();
        LOW = Math.max(1_024, ephemeralLow - SIZE);
        COUNT = Math.max(1, ephemeralLow - LOW);
        NEXT = new AtomicInteger((int) (ProcessHandle.current().pid() * 7_919 % COUNT));
    }

    private FreePortRange() {}

    /** The next port of the range nothing listens on; a kernel-chosen one if the whole range is taken. */
    static int next() {
        for (int tries = 0; tries < COUNT; tries++) {
            int port = LOW + Math.floorMod(NEXT.getAndIncrement(), COUNT);
            try (ServerSocket socket = new ServerSocket(port)) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // Someone listens there: the next one.
            }
        }
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port", e);
        }
    }

    /**
     * The first ephemeral port: Linux's setting, or its default (32768) where that cannot be read or is
     * too low to leave a range below it. Read line by line: {@code Files.readString} of a /proc file (size 0)
     * gives only its first bytes.
     */
    private static int ephemeralLow() {
        try (BufferedReader in = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            int low = Integer.parseInt(in.readLine().trim().split("\\s+")[0]);
            return low >= 8_192 && low <= 65_535 ? low : 32_768;
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
