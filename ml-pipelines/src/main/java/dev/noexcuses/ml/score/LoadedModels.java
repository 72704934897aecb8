package dev.noexcuses.ml.score;

import dev.noexcuses.ml.train.ChurnModel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The models the Spark tasks of this JVM score with, loaded once per task slot rather than once per task: a task
 * borrows an idle one of the broadcast model (or loads it when all are busy) and gives it back when it ends. Only the
 * latest broadcast's models are kept; idle ones of an earlier broadcast are closed when a new one is seen.
 *
 * <p>Static because an executor JVM outlives every object Spark deserialises for a task: this is the one place that
 * lives as long as the executor.
 */
final class LoadedModels {
    private static final Object LOCK = new Object();
    private static long broadcastId = Long.MIN_VALUE;
    private static int poolThreads;
    private static ConcurrentLinkedQueue<ChurnModel> idle = new ConcurrentLinkedQueue<>();

    private LoadedModels() {}

    /**
     * A model of broadcast {@code id} scoring with {@code threads} XGBoost threads, for one task; {@code file} gives the
     * model file when one must be loaded.
     */
    static Lease borrow(long id, Supplier<byte[]> file, int threads) {
        ConcurrentLinkedQueue<ChurnModel> pool;
        synchronized (LOCK) {
            if (broadcastId != id || poolThreads != threads) {
                ConcurrentLinkedQueue<ChurnModel> stale = idle;
                idle = new ConcurrentLinkedQueue<>();
                broadcastId = id;
                poolThreads = threads;
                for (ChurnModel m; (m = stale.poll()) != null; ) {
                    m.close();
                }
            }
            pool = idle;
        }
        ChurnModel model = pool.poll();
        if (model == null) {
            model = ChurnModel.load(file.get()).threads(threads);
        }
        return new Lease(id, model, pool);
    }

    /** One borrowed model; {@link #close()} gives it back (or closes it when its broadcast is no longer current). */
    static final class Lease implements AutoCloseable {
        private final long id;
        private final ChurnModel model;
        private final ConcurrentLinkedQueue<ChurnModel> pool;
        private final AtomicBoolean returned = new AtomicBoolean();

        private Lease(long id, ChurnModel model, ConcurrentLinkedQueue<ChurnModel> pool) {
            this.id = id;
            this.model = model;
            this.pool = pool;
        }

        ChurnModel model() {
            return model;
        }

        @Override
        public void close() {
            if (!returned.compareAndSet(false, true)) {
                return;
            }
            synchronized (LOCK) {
                if (broadcastId == id && pool == idle) {
                    pool.offer(model);
                    return;
                }
            }
            model.close();
        }
    }
}
