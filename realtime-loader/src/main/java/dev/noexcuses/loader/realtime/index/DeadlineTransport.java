package dev.noexcuses.loader.realtime.index;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.opensearch.client.json.JsonpMapper;
import org.opensearch.client.transport.Endpoint;
import org.opensearch.client.transport.OpenSearchTransport;
import org.opensearch.client.transport.TransportOptions;

/**
 * A transport whose blocking calls give up after a deadline. The HTTP client's response timeout
 * covers a request on the wire, not one whose answer never reaches its caller: the client's own
 * blocking call waits for as long as its future is not completed. HttpClient 5.6 (and 5.6.5) now and
 * then loses the answer to a request refused before its body was read, as a proxy checking a password
 * does, and the loader waited for it for good. Past the deadline the call fails with an
 * {@link IOException}, which every caller already sends again like a call to an unreachable cluster.
 */
final class DeadlineTransport implements OpenSearchTransport {
    private final OpenSearchTransport delegate;
    private final Duration deadline;

    DeadlineTransport(OpenSearchTransport delegate, Duration deadline) {
        this.delegate = requireNonNull(delegate, "delegate is null");
        this.deadline = requireNonNull(deadline, "deadline is null");
    }

    @Override
    public <RequestT, ResponseT, ErrorT> ResponseT performRequest(RequestT request,
            Endpoint<RequestT, ResponseT, ErrorT> endpoint, TransportOptions options) throws IOException {
        CompletableFuture<ResponseT> answer = delegate.performRequestAsync(request, endpoint, options);
        try {
            return answer.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new IOException("No answer from the search cluster within " + deadline.toSeconds() + " s");
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while waiting for the search cluster", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(cause);
        }
    }

    @Override
    public <RequestT, ResponseT, ErrorT> CompletableFuture<ResponseT> performRequestAsync(RequestT request,
            Endpoint<RequestT, ResponseT, ErrorT> endpoint, TransportOptions options) {
        return delegate.performRequestAsync(request, endpoint, options);
    }

    @Override
    public JsonpMapper jsonpMapper() {
        return delegate.jsonpMapper();
    }

    @Override
    public TransportOptions options() {
        return delegate.options();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
