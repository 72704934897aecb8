package dev.noexcuses.serving.gateway;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.client.Endpoint;
import com.linecorp.armeria.client.EventLoopScheduler;
import com.linecorp.armeria.client.endpoint.EndpointGroup;
import com.linecorp.armeria.common.SessionProtocol;
import com.linecorp.armeria.common.util.ReleasableHolder;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;

/**
 * Runs a call to a model server on the event loop that is running the caller: the one that received
 * the client's request. Its answer then comes back on the thread that writes the client's response, as
 * an nginx worker serves both sides of a proxied request, instead of crossing to another event loop and
 * back for every prediction. Each event loop keeps its own keep-alive connections to each model server.
 * A call from any other thread (rollouts, smoke tests) takes the group's next event loop.
 */
final class CallerEventLoopScheduler implements EventLoopScheduler {
    private final EventLoopGroup group;

    CallerEventLoopScheduler(EventLoopGroup group) {
        this.group = requireNonNull(group, "group is null");
    }

    @Override
    public ReleasableHolder<EventLoop> acquire(SessionProtocol protocol, EndpointGroup endpointGroup, Endpoint endpoint) {
        EventLoop chosen = null;
        for (EventExecutor executor : group) {
            if (executor.inEventLoop()) {
                chosen = (EventLoop) executor;
                break;
            }
        }
        EventLoop eventLoop = chosen != null ? chosen : (EventLoop) group.next();
        return new ReleasableHolder<>() {
            @Override
            public EventLoop get() {
                return eventLoop;
            }

            @Override
            public void release() {
                // Nothing is counted per event loop: there is nothing to give back.
            }
        };
    }
}
