package dev.noexcuses.collector.http;

import com.github.luben.zstd.ZstdInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Request bodies sent with {@code Content-Encoding: gzip} or {@code zstd}. The size limit applies
 * to the decompressed body, and inflating stops at the limit: a small compressed bomb costs at most
 * the limit in memory, never its inflated size.
 */
final class ContentDecoding {
    private ContentDecoding() {}

    /** The decoded body, or an oversized marker when it would exceed {@code limit} bytes. */
    record Decoded(byte[] bytes, boolean oversized) {}

    static boolean isSupported(String encoding) {
        return encoding == null || switch (normalise(encoding)) {
            case "", "identity", "gzip", "x-gzip", "zstd" -> true;
            default -> false;
        };
    }

    static boolean isIdentity(String encoding) {
        return encoding == null || normalise(encoding).isEmpty() || normalise(encoding).equals("identity");
    }

    static Decoded decode(String encoding, byte[] body, int limit) throws IOException {
        try (InputStream in = open(normalise(encoding), body)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limit, Math.max(64, body.length * 8)));
            byte[] chunk = new byte[16 * 1024];
            int n;
            while ((n = in.read(chunk, 0, Math.min(chunk.length, limit + 1 - out.size()))) > 0) {
                out.write(chunk, 0, n);
                if (out.size() > limit) {
                    return new Decoded(null, true);
                }
            }
            return new Decoded(out.toByteArray(), false);
        }
    }

    private static InputStream open(String encoding, byte[] body) throws IOException {
        ByteArrayInputStream raw = new ByteArrayInputStream(body);
        return switch (encoding) {
            case "gzip", "x-gzip" -> new GZIPInputStream(raw);
            // The window bounds zstd's own buffer (8 MiB), whatever window a frame asks for.
            case "zstd" -> new ZstdInputStream(raw).setLongMax(23);
            default -> throw new IllegalArgumentException("Unsupported content encoding '" + encoding + "'");
        };
    }

    private static String normalise(String encoding) {
        return encoding.trim().toLowerCase(Locale.ROOT);
    }
}
