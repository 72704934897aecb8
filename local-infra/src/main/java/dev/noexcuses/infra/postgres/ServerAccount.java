package dev.noexcuses.infra.postgres;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who the PostgreSQL server runs as. PostgreSQL refuses to run as root, so when this JVM is root
 * (containers, CI) the server runs under an unprivileged system account that is created here,
 * owns the server's folder and can reach it; otherwise it runs as the current user.
 */
final class ServerAccount {
    private static final Logger LOG = LoggerFactory.getLogger(ServerAccount.class);

    private final String user;

    private ServerAccount(String user) {
        this.user = user;
    }

    /** The current user, or {@code unprivilegedUser} (created if missing) when running as root. */
    static ServerAccount forServer(String unprivilegedUser) throws IOException, InterruptedException {
        requireNonNull(unprivilegedUser, "unprivilegedUser is null");
        if (!isRoot()) {
            return new ServerAccount(null);
        }
        ensureUserExists(unprivilegedUser);
        return new ServerAccount(unprivilegedUser);
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    boolean switchesUser() {
        return user != null;
    }

    /** The command, run as this account: through {@code setpriv} when the user must change. */
    List<String> command(List<String> command) {
        if (user == null) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + user, "--regid=" + user,
                "--init-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Gives this account {@code dir} and everything in it, and lets it pass through every parent. */
    void own(Path dir) throws IOException, InterruptedException {
        if (user == null) {
            return;
        }
        run(List.of("chown", "-R", user + ":" + user, dir.toString()));
        makeTraversable(dir.getParent());
    }

    /**
     * Adds search (x) permission for others on each parent that lacks it, e.g. a test's mode-700
     * temporary directory: without it the server's account cannot reach its own folder.
     */
    void makeTraversable(Path dir) throws IOException {
        if (user == null) {
            return;
        }
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                perms.add(PosixFilePermission.OTHERS_EXECUTE);
                Files.setPosixFilePermissions(p, perms);
                LOG.info("Allowed other users to pass through {} so the '{}' account reaches its files", p, user);
            }
        }
    }

    private static void ensureUserExists(String name) throws IOException, InterruptedException {
        if (exitCode(List.of("id", "-u", name)) == 0) {
            return;
        }
        int rc = exitCode(List.of("useradd", "--system", "--user-group", "--no-create-home",
                "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name));
        // 9: created meanwhile by another process.
        if (rc != 0 && rc != 9) {
            throw new IOException("Cannot create the unprivileged account '" + name
                    + "' that PostgreSQL runs under (useradd exit code " + rc + ")");
        }
        LOG.info("Created the unprivileged account '{}' for PostgreSQL (it refuses to run as root)", name);
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("Command failed: " + String.join(" ", command) + ": " + out.trim());
        }
    }

    private static int exitCode(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    @Override
    public String toString() {
        return user == null ? System.getProperty("user.name") : user;
    }
}
