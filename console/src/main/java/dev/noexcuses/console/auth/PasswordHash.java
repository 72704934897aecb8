package dev.noexcuses.console.auth;

import static java.util.Objects.requireNonNull;

import java.io.Console;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Console passwords, stored only as PBKDF2-HMAC-SHA256 hashes from the JDK:
 * {@code pbkdf2-sha256:<iterations>:<salt, base64>:<hash, base64>}. The iteration count travels with
 * the hash, so it can be raised later without invalidating stored hashes.
 */
public final class PasswordHash {
    static final String SCHEME = "pbkdf2-sha256";
    /** OWASP's recommendation for PBKDF2-HMAC-SHA256 (2023). */
    static final int DEFAULT_ITERATIONS = 600_000;
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private PasswordHash() {}

    public static String hash(char[] password) {
        requireNonNull(password, "password is null");
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        Base64.Encoder b64 = Base64.getEncoder();
        return SCHEME + ":" + DEFAULT_ITERATIONS + ":" + b64.encodeToString(salt) + ":"
                + b64.encodeToString(derive(password, salt, DEFAULT_ITERATIONS));
    }

    /** Whether {@code password} matches {@code stored}; false for a malformed stored hash. */
    public static boolean matches(char[] password, String stored) {
        requireNonNull(password, "password is null");
        String[] parts = stored == null ? new String[0] : stored.split(":");
        if (parts.length != 4 || !SCHEME.equals(parts[0])) {
            return false;
        }
        try {
            int iterations = Integer.parseInt(parts[1]);
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] expected = Base64.getDecoder().decode(parts[3]);
            return MessageDigest.isEqual(expected, derive(password, salt, iterations));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Checks that {@code stored} is a hash this class can verify, naming the expected form otherwise. */
    static void checkFormat(String user, String stored) {
        String[] parts = stored == null ? new String[0] : stored.split(":");
        if (parts.length != 4 || !SCHEME.equals(parts[0]) || !parts[1].matches("[1-9][0-9]{3,}")) {
            throw new IllegalArgumentException("Invalid console.users password-hash of user '" + user
                    + "': expected " + SCHEME + ":<iterations>:<salt>:<hash> as printed by ./platform console-password");
        }
    }

    private static byte[] derive(char[] password, byte[] salt, int iterations) {
        PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, HASH_BITS);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available in this JDK", e);
        } finally {
            spec.clearPassword();
        }
    }

    /** Reads a password from the terminal (or the first line of standard input) and returns its hash. */
    public static String readAndHash() throws java.io.IOException {
        Console console = System.console();
        char[] password;
        if (console != null) {
            password = console.readPassword("Password: ");
        } else {
            String line = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))
                    .readLine();
            password = line == null ? new char[0] : line.toCharArray();
        }
        if (password == null || password.length < 8) {
            throw new IllegalArgumentException("A console password needs at least 8 characters");
        }
        return hash(password);
    }
}
