package dev.noexcuses.collector.http;

import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpObject;
import com.linecorp.armeria.common.HttpRequest;
import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletableFuture;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * Reads a request body up to a limit. A larger body is not buffered whole: reading stops after the
 * limit, and the first bytes are kept so the failed-event record can show what was sent.
 */
public record BoundedBody(byte[] bytes, boolean oversized, long bytesSeen) {

    public static CompletableFuture<BoundedBody> read(HttpRequest request, int limit) {
        CompletableFuture<BoundedBody> result = new CompletableFuture<>();
        request.subscribe(new Subscriber<HttpObject>() {
            private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            private Subscription subscription;
            private long seen;

            @Override
            public void onSubscribe(Subscription s) {
                subscription = s;
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(HttpObject object) {
                if (result.isDone() || !(object instanceof HttpData data)) {
                    return;
                }
                seen += data.length();
                if (seen > limit) {
                    int room = limit - buffer.size();
                    if (room > 0) {
                        buffer.write(data.array(), 0, Math.min(room, data.length()));
                    }
                    subscription.cancel();
                    result.complete(new BoundedBody(buffer.toByteArray(), true, seen));
                    return;
                }
                buffer.writeBytes(data.array());
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                result.complete(new BoundedBody(buffer.toByteArray(), false, seen));
            }
        });
        return result;
    }
}
