package dev.noexcuses.collector.auth;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGHUP, the Unix way to tell a server to re-read its configuration. A signal belongs to the whole
 * process, so this one handler runs every registered reload (one per collector in the process).
 */
public final class HangupSignal {
    private static final Logger LOG = LoggerFactory.getLogger(HangupSignal.class);
    private static final List<Runnable> RELOADS = new CopyOnWriteArrayList<>();
    private static boolean installed;
    private static boolean ignored;

    private HangupSignal() {}

    /** Runs {@code reload} on every SIGHUP until the returned handle is closed. */
    public static synchronized AutoCloseable onHangup(Runnable reload) {
        if (!installed) {
            try {
                ClassLoader loader = HangupSignal.class.getClassLoader();
                SignalHandler previous = Signal.handle(new Signal("HUP"), signal -> {
                    // The JVM's signal thread has no context class loader; reading configuration needs one.
                    Thread.currentThread().setContextClassLoader(loader);
                    RELOADS.forEach(HangupSignal::runQuietly);
                });
                installed = true;
                if (previous == SignalHandler.SIG_IGN) {
                    // The JVM keeps an inherited "ignore" (nohup) and does not install the handler.
                    ignored = true;
                    LOG.warn("SIGHUP is ignored by this process (started under nohup?): write keys cannot be reloaded "
                            + "without a restart. ./platform starts its JVM with SIGHUP reset; other launchers: "
                            + "env --default-signal=HUP java ...");
                }
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                LOG.warn("No SIGHUP on this system ({}): reload with ./platform reload is unavailable", e.getMessage());
            }
        }
        RELOADS.add(reload);
        return () -> RELOADS.remove(reload);
    }

    /** Whether a SIGHUP reaches the reloads: not when the process inherited an ignored SIGHUP (nohup). */
    public static synchronized boolean reachesThisProcess() {
        return installed && !ignored;
    }

    private static void runQuietly(Runnable reload) {
        try {
            reload.run();
        } catch (RuntimeException e) {
            LOG.error("Reload on SIGHUP failed: {}", e.toString());
        }
    }
}
