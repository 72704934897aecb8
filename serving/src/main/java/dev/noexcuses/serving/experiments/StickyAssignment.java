package dev.noexcuses.serving.experiments;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Which arm a user is in: the first 8 bytes of SHA-256(salt, user key) as a number, taken modulo
 * 10,000 buckets; buckets below the treatment share (in hundredths of a percent) are treatment. A
 * function of the key alone, so the same user always gets the same arm, on every gateway, after
 * restarts; a different salt gives an independent assignment.
 */
public final class StickyAssignment {
    static final int BUCKETS = 10_000;

    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("This JVM has no SHA-256", e);
        }
    });

    private StickyAssignment() {}

    /** The user's bucket in the experiment with {@code salt}, 0 to 9,999. */
    public static int bucket(String salt, String userKey) {
        MessageDigest sha = SHA256.get();
        sha.reset();
        sha.update(salt.getBytes(StandardCharsets.UTF_8));
        // A separator no key or salt contains: ("ab", "c") and ("a", "bc") hash differently.
        sha.update((byte) 0);
        byte[] digest = sha.digest(userKey.getBytes(StandardCharsets.UTF_8));
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (digest[i] & 0xff);
        }
        return (int) Long.remainderUnsigned(value, BUCKETS);
    }

    /** Whether the user is in treatment at {@code treatmentPercent} percent of users. */
    public static boolean inTreatment(String salt, String userKey, int treatmentPercent) {
        return bucket(salt, userKey) < treatmentPercent * (BUCKETS / 100);
    }
}
