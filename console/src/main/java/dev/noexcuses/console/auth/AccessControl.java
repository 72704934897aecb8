package dev.noexcuses.console.auth;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.Cookie;
import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpMethod;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.QueryParams;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may use the console, declared once around every route (an Armeria decorator): pages and APIs
 * need a session; actions (any method but GET and HEAD) also need the session's CSRF token in
 * {@code X-CSRF-Token}. The session cookie is HttpOnly, Secure and SameSite=Strict. Login and
 * logout are served here too.
 */
public final class AccessControl implements DecoratingHttpServiceFunction {
    private static final Logger LOG = LoggerFactory.getLogger(AccessControl.class);
    public static final String COOKIE = "console_session";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final AttributeKey<Session> SESSION = AttributeKey.valueOf(AccessControl.class, "session");
    /** Paths anyone may fetch: the login page and its assets, the health check, the demo shop. */
    private static final List<String> PUBLIC_PREFIXES = List.of("/static/", "/vendor/", "/shop/");
    private static final List<String> PUBLIC_PATHS = List.of("/login", "/healthz", "/favicon.ico", "/shop");

    private final Map<String, ConsoleUser> users;
    private final SessionStore sessions;
    private final LoginThrottle throttle;
    private final boolean secureCookie;

    public AccessControl(List<ConsoleUser> users, SessionStore sessions, boolean secureCookie, Clock clock) {
        this.users = requireNonNull(users, "users is null").stream()
                .collect(Collectors.toUnmodifiableMap(ConsoleUser::name, Function.identity()));
        this.sessions = requireNonNull(sessions, "sessions is null");
        this.throttle = new LoginThrottle(clock);
        this.secureCookie = secureCookie;
    }

    /** The session of the request being served (set by this decorator before any handler runs). */
    public static Session session(ServiceRequestContext ctx) {
        Session session = ctx.attr(SESSION);
        if (session == null) {
            throw new IllegalStateException("No session: the route is not behind AccessControl");
        }
        return session;
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        String path = ctx.path();
        if (PUBLIC_PATHS.contains(path) || PUBLIC_PREFIXES.stream().anyMatch(path::startsWith)) {
            return delegate.serve(ctx, req);
        }
        if ("/login/submit".equals(path) && req.method() == HttpMethod.POST) {
            return login(ctx, req);
        }
        Optional<Session> session = sessions.find(cookie(req));
        if (session.isEmpty()) {
            if (path.startsWith("/api/")) {
                return HttpResponse.of(HttpStatus.UNAUTHORIZED, MediaType.JSON_UTF_8,
                        "{\"error\":\"Not logged in (or the session expired): open /login\"}");
            }
            return HttpResponse.ofRedirect(HttpStatus.FOUND, "/login");
        }
        if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
            String token = req.headers().get(CSRF_HEADER, "");
            if (!MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                    session.get().csrfToken().getBytes(StandardCharsets.UTF_8))) {
                return HttpResponse.of(HttpStatus.FORBIDDEN, MediaType.JSON_UTF_8,
                        "{\"error\":\"Missing or wrong X-CSRF-Token: reload the page\"}");
            }
        }
        if ("/logout".equals(path)) {
            sessions.close(cookie(req));
            return HttpResponse.of(ResponseHeaders.builder(HttpStatus.OK).contentType(MediaType.JSON_UTF_8)
                    .add(HttpHeaderNames.SET_COOKIE, expiredCookie().toSetCookieHeader()).build(),
                    com.linecorp.armeria.common.HttpData.ofUtf8("{\"logged_out\":true}"));
        }
        ctx.setAttr(SESSION, session.get());
        return delegate.serve(ctx, req);
    }

    private HttpResponse login(ServiceRequestContext ctx, HttpRequest req) {
        // PBKDF2 takes a noticeable fraction of a second by design: off the event loop.
        return HttpResponse.of(req.aggregate().thenApplyAsync(agg -> {
            QueryParams form = QueryParams.fromQueryString(agg.contentUtf8());
            String name = form.get("user", "");
            char[] password = form.get("password", "").toCharArray();
            if (throttle.blocked(name)) {
                return HttpResponse.ofRedirect(HttpStatus.SEE_OTHER, "/login?error=throttled");
            }
            ConsoleUser user = users.get(name);
            boolean ok = user != null && PasswordHash.matches(password, user.passwordHash());
            java.util.Arrays.fill(password, '\0');
            if (!ok) {
                throttle.failed(name);
                LOG.info("Failed console login for user '{}' from {}", name, ctx.clientAddress());
                return HttpResponse.ofRedirect(HttpStatus.SEE_OTHER, "/login?error=invalid");
            }
            throttle.succeeded(name);
            String token = sessions.open(name);
            Cookie cookie = Cookie.secureBuilder(COOKIE, token).secure(secureCookie).path("/")
                    .maxAge(sessions.idleTimeout().toSeconds()).build();
            return HttpResponse.of(ResponseHeaders.builder(HttpStatus.SEE_OTHER)
                    .add(HttpHeaderNames.LOCATION, "/")
                    .add(HttpHeaderNames.SET_COOKIE, cookie.toSetCookieHeader()).build());
        }, ctx.blockingTaskExecutor()));
    }

    private Cookie expiredCookie() {
        return Cookie.secureBuilder(COOKIE, "").secure(secureCookie).path("/").maxAge(0).build();
    }

    private static String cookie(HttpRequest req) {
        return req.headers().cookies().stream().filter(c -> COOKIE.equals(c.name())).map(Cookie::value)
                .findFirst().orElse(null);
    }
}
