package dev.noexcuses.common.lifecycle;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * How a long-running process stops cleanly on SIGTERM or Ctrl-C (SIGINT).
 *
 * <p>The stop runs when the signal arrives, before the JVM starts to shut down. Made from a shutdown
 * hook instead, it would race the libraries' own hooks, which stop their thread pools (Iceberg's, for
 * one): the batch loader's last commit would be refused. A shutdown hook remains for any other exit
 * and does nothing once the stop has run. A second signal during the stop ends the process at once.
 */
public final class CleanStop {
    private CleanStop() {}

    /** Blocks until SIGTERM or SIGINT, then runs {@code stop} (once) and returns. */
    public static void awaitSignalThen(Runnable stop) throws InterruptedException {
        CountDownLatch requested = new CountDownLatch(1);
        AtomicBoolean started = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        Runnable once = () -> {
            if (started.compareAndSet(false, true)) {
                try {
                    stop.run();
                } finally {
                    done.countDown();
                }
            } else {
                awaitQuietly(done);
            }
        };
        for (String name : List.of("TERM", "INT")) {
            try {
                Signal.handle(new Signal(name), signal -> {
                    if (requested.getCount() == 0) {
                        System.err.println("Stopping at once, without a clean stop.");
                        Runtime.getRuntime().halt(130);
                    }
                    requested.countDown();
                });
            } catch (IllegalArgumentException e) {
                // The signal is reserved here (a JVM option): the shutdown hook stops instead.
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(once, "clean-stop"));
        requested.await();
        once.run();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
