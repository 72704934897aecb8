package dev.noexcuses.loader.realtime.index;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.failsafe.Execution;
import dev.failsafe.RetryPolicy;
import dev.noexcuses.common.retry.Retries;
import dev.noexcuses.loader.realtime.document.IndexDocument;
import dev.noexcuses.loader.realtime.metrics.LoaderMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.opensearch.core.BulkRequest;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;
import org.opensearch.client.transport.httpclient5.ResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes documents with bulk requests until the cluster has either indexed or refused each one. What
 * it cannot take now (429, 5xx, unreachable) is sent again after a growing pause, for as long as it
 * takes: the caller decides how to wait ({@link Pause}), so the consumer can keep its group membership.
 */
public final class BulkWriter {
    private static final Logger LOG = LoggerFactory.getLogger(BulkWriter.class);

    /** A document the cluster refused for good (mapping conflict, invalid value), with its reason. */
    public record Rejection(IndexDocument document, int status, String reason) {}

    /** What became of a write: every document is in exactly one list. */
    public record Outcome(List<IndexDocument> indexed, List<Rejection> rejected, boolean hadToWait) {}

    /** How the writer waits before it tries again. */
    public interface Pause {
        /** Waits about {@code backoff}; throws {@link Stopped} when the loader is stopping and must give up. */
        void await(Duration backoff) throws Stopped;
    }

    /** The loader is stopping: the documents are left unacknowledged (and their offsets uncommitted). */
    public static final class Stopped extends Exception {
        public Stopped() {
            super("Stopped while writing to the search cluster", null, false, false);
        }
    }

    private final OpenSearchClient client;
    private final LoaderMetrics metrics;
    /** Documents not taken are sent again, for as long as it takes, with the platform's retry policy. */
    private final RetryPolicy<List<IndexDocument>> retry;

    public BulkWriter(OpenSearchClient client, LoaderMetrics metrics, Duration initialBackoff, Duration maxBackoff) {
        this.client = requireNonNull(client, "client is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.retry = Retries.<List<IndexDocument>>exponentialBackoff(requireNonNull(initialBackoff, "initialBackoff is null"),
                        requireNonNull(maxBackoff, "maxBackoff is null"))
                .handleResultIf(pending -> !pending.isEmpty())
                .withMaxRetries(-1)
                .build();
    }

    public Outcome write(List<IndexDocument> documents, Pause pause) throws Stopped {
        List<IndexDocument> indexed = new ArrayList<>(documents.size());
        List<Rejection> rejected = new ArrayList<>();
        List<IndexDocument> pending = documents;
        // The policy says how long to wait; the pause waits it out, and gives up when the loader stops.
        Execution<List<IndexDocument>> execution = Execution.of(retry);
        boolean waited = false;
        while (!pending.isEmpty()) {
            pending = attempt(pending, indexed, rejected);
            execution.recordResult(pending);
            if (!pending.isEmpty()) {
                waited = true;
                metrics.bulkRetried(pending.size());
                pause.await(execution.getDelay());
            }
        }
        return new Outcome(indexed, rejected, waited);
    }

    /** One bulk request; returns the documents to send again. */
    private List<IndexDocument> attempt(List<IndexDocument> batch, List<IndexDocument> indexed,
                                        List<Rejection> rejected) {
        long t0 = System.nanoTime();
        BulkResponse response;
        try {
            response = client.bulk(request(batch));
        } catch (OpenSearchException e) {
            metrics.bulkFailed(System.nanoTime() - t0);
            return wholeRequestRefused(batch, e.status(), e.getMessage(), indexed, rejected);
        } catch (ResponseException e) {
            // An error status without an OpenSearch error body (e.g. from a proxy in front of the cluster).
            metrics.bulkFailed(System.nanoTime() - t0);
            return wholeRequestRefused(batch, e.status(), e.getMessage(), indexed, rejected);
        } catch (Exception e) {
            // Connection refused, reset or timed out: the cluster is down or overloaded; try again.
            metrics.bulkFailed(System.nanoTime() - t0);
            LOG.warn("Bulk request of {} documents failed ({}); retrying with backoff", batch.size(), e.toString());
            return batch;
        }
        metrics.bulkSucceeded(System.nanoTime() - t0);
        List<IndexDocument> retry = new ArrayList<>();
        List<BulkResponseItem> items = response.items();
        for (int i = 0; i < batch.size(); i++) {
            BulkResponseItem item = items.get(i);
            IndexDocument document = batch.get(i);
            if (item.error() == null) {
                indexed.add(document);
            } else if (retryable(item.status())) {
                retry.add(document);
            } else {
                String reason = item.error().type() + ": " + item.error().reason();
                rejected.add(new Rejection(document, item.status(), reason));
            }
        }
        if (!retry.isEmpty()) {
            LOG.debug("{} of {} documents were not taken now (e.g. 429); retrying them", retry.size(), batch.size());
        }
        return retry;
    }

    /**
     * The cluster answered the whole request with an error status. About the cluster (see
     * {@link #retryable}): all again later. About the request itself (too large, one malformed
     * document): halves are tried alone until the offending documents stand by themselves and are
     * rejected one by one.
     */
    private List<IndexDocument> wholeRequestRefused(List<IndexDocument> batch, int status, String message,
                                                    List<IndexDocument> indexed, List<Rejection> rejected) {
        if (retryable(status)) {
            LOG.warn("Bulk request of {} documents answered {} ({}); retrying with backoff{}", batch.size(), status,
                    message, status == 401 || status == 403 ? " (check opensearch.username and opensearch.password)" : "");
            return batch;
        }
        if (batch.size() == 1) {
            rejected.add(new Rejection(batch.get(0), status, message));
            return List.of();
        }
        int half = batch.size() / 2;
        List<IndexDocument> retry = new ArrayList<>(attempt(batch.subList(0, half), indexed, rejected));
        retry.addAll(attempt(batch.subList(half, batch.size()), indexed, rejected));
        return retry;
    }

    /**
     * Only a refusal of the document itself (400 mapping conflict or invalid value, 409, 413 too large,
     * 422) is final. Everything else is about the cluster, not the document, and passes: busy (429),
     * failing (5xx), credentials revoked (401, 403), a read-only block on a full disk (403), an index
     * that cannot be created (404). Those are waited out, so that nothing is dropped meanwhile.
     */
    private static boolean retryable(int status) {
        return !(status == 400 || status == 409 || status == 413 || status == 422);
    }

    private static BulkRequest request(List<IndexDocument> batch) {
        BulkRequest.Builder bulk = new BulkRequest.Builder();
        long now = System.currentTimeMillis();
        for (IndexDocument document : batch) {
            stampLatency(document, now);
            bulk.operations(op -> op.index(index -> index
                    .index(document.index())
                    .id(document.id())
                    .document(document.source())));
        }
        return bulk.build();
    }

    /**
     * Adds {@code loader.sent_at} and {@code loader.latency_ms} (collector receive to this request) to an
     * enriched event, so latency can be aggregated in the index itself (alerting's p99 rule); a retried
     * document gets the time of its last try.
     */
    private static void stampLatency(IndexDocument document, long nowMs) {
        if (document.kind() != IndexDocument.Kind.ENRICHED || document.receivedAt() == null
                || !(document.source() instanceof ObjectNode event)) {
            return;
        }
        event.putObject("loader")
                .put("sent_at", java.time.Instant.ofEpochMilli(nowMs).toString())
                .put("latency_ms", Math.max(0, nowMs - document.receivedAt().toEpochMilli()));
    }
}
