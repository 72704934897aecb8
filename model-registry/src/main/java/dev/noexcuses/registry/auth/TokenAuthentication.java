package dev.noexcuses.registry.auth;

import static java.util.Objects.requireNonNull;

import com.linecorp.armeria.common.HttpHeaderNames;
import com.linecorp.armeria.common.HttpRequest;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import com.linecorp.armeria.common.ResponseHeaders;
import com.linecorp.armeria.server.DecoratingHttpServiceFunction;
import com.linecorp.armeria.server.HttpService;
import com.linecorp.armeria.server.ServiceRequestContext;
import com.typesafe.config.Config;
import dev.noexcuses.registry.RegistryException;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Bearer tokens per user ({@code model-registry.users}): every API request names its user, or gets 401
 * before any handler runs. Tokens are kept as SHA-256 digests and compared as such.
 */
public final class TokenAuthentication implements DecoratingHttpServiceFunction {
    private static final AttributeKey<Caller> CALLER = AttributeKey.valueOf(TokenAuthentication.class, "caller");
    private static final String SHA256_PREFIX = "sha256:";

    private final Map<String, Caller> callersByTokenDigest;

    private TokenAuthentication(Map<String, Caller> callersByTokenDigest) {
        this.callersByTokenDigest = Map.copyOf(callersByTokenDigest);
    }

    /** A configured user: name, token (clear or {@code sha256:<hex>}) and roles. */
    public record User(String name, String token, Set<Role> roles) {
        public User {
            requireNonNull(name, "name is null");
            requireNonNull(token, "token is null");
            roles = Set.copyOf(roles);
            if (name.isBlank() || token.isBlank() || roles.isEmpty()) {
                throw new IllegalArgumentException("Invalid model-registry user '" + name
                        + "': expected a name, a token and at least one role");
            }
        }
    }

    public static List<User> users(Config registry) {
        return registry.getConfigList("users").stream()
                .map(u -> new User(u.getString("name"), u.getString("token"),
                        u.getStringList("roles").stream().map(Role::parse).collect(Collectors.toSet())))
                .toList();
    }

    public static TokenAuthentication of(List<User> users) {
        Map<String, Caller> byDigest = new LinkedHashMap<>();
        for (User u : users) {
            String digest = u.token().regionMatches(true, 0, SHA256_PREFIX, 0, SHA256_PREFIX.length())
                    ? u.token().substring(SHA256_PREFIX.length()).toLowerCase(Locale.ROOT) : sha256Hex(u.token());
            if (byDigest.put(digest, new Caller(u.name(), u.roles())) != null) {
                throw new IllegalArgumentException("Invalid model-registry.users: two users have the same token ("
                        + u.name() + ")");
            }
        }
        return new TokenAuthentication(byDigest);
    }

    @Override
    public HttpResponse serve(HttpService delegate, ServiceRequestContext ctx, HttpRequest req) throws Exception {
        String header = req.headers().get(HttpHeaderNames.AUTHORIZATION, "");
        Caller caller = header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? callersByTokenDigest.get(sha256Hex(header.substring(7).trim())) : null;
        if (caller == null) {
            return HttpResponse.of(ResponseHeaders.builder(HttpStatus.UNAUTHORIZED)
                            .add(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer").contentType(MediaType.JSON_UTF_8).build(),
                    com.linecorp.armeria.common.HttpData.ofUtf8("{\"error_code\":\"UNAUTHENTICATED\",\"message\":\""
                            + (header.isEmpty() ? "No token: send Authorization: Bearer <token>" : "Unknown token") + "\"}"));
        }
        ctx.setAttr(CALLER, caller);
        return delegate.serve(ctx, req);
    }

    /** The user of the current request (set by this decorator). */
    public static Caller caller(ServiceRequestContext ctx) {
        Caller caller = ctx.attr(CALLER);
        if (caller == null) {
            throw new RegistryException(401, "UNAUTHENTICATED", "No authenticated user");
        }
        return caller;
    }

    static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
