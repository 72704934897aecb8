package dev.noexcuses.infra.opensearch;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The unprivileged system account a server that refuses root (OpenSearch) runs under when this JVM is
 * root, as in CI and containers. Created on first use; the user never has to do it by hand.
 */
final class ServiceAccount {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceAccount.class);

    private final String name;
    private final UserPrincipal user;
    private final GroupPrincipal group;

    private ServiceAccount(String name, UserPrincipal user, GroupPrincipal group) {
        this.name = name;
        this.user = user;
        this.group = group;
    }

    static boolean runningAsRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** The account {@code name}, created as a system account with its own group when it does not exist. */
    static ServiceAccount ensure(String name) throws IOException, InterruptedException {
        requireNonNull(name, "name is null");
        if (!name.matches("[a-z_][a-z0-9_-]{0,31}")) {
            throw new IllegalArgumentException("Invalid account name '" + name + "': expected a Unix user name");
        }
        if (!exists(name)) {
            String output = run(List.of("useradd", "--system", "--user-group", "--no-create-home",
                    "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", name));
            // Another process may have created it at the same moment: only a still missing account is an error.
            if (!exists(name)) {
                throw new IllegalStateException("Cannot create the system account '" + name + "' to run OpenSearch"
                        + " (it refuses to run as root): useradd said: " + output.trim());
            }
            LOG.info("Created the system account '{}' to run OpenSearch (it refuses to run as root)", name);
        }
        var lookup = FileSystems.getDefault().getUserPrincipalLookupService();
        return new ServiceAccount(name, lookup.lookupPrincipalByName(name), lookup.lookupPrincipalByGroupName(name));
    }

    private static boolean exists(String name) throws IOException, InterruptedException {
        Process id = new ProcessBuilder("id", "-u", name).redirectErrorStream(true).start();
        id.getInputStream().readAllBytes();
        return id.waitFor(10, TimeUnit.SECONDS) && id.exitValue() == 0;
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(30, TimeUnit.SECONDS);
        return output;
    }

    String name() {
        return name;
    }

    /** Gives the account everything under {@code dir} (the server's config, data, logs and temp files). */
    void own(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.toList()) {
                PosixFileAttributeView view =
                        Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                view.setOwner(user);
                view.setGroup(group);
            }
        }
    }

    /** The command prefix that runs a program as this account, keeping the environment. */
    List<String> runAs() {
        return List.of("setpriv", "--reuid=" + name, "--regid=" + name, "--init-groups", "--");
    }

    /** Whether another account can pass through {@code dir} (mode o+x), as it must for every parent of its files. */
    static boolean traversableByOthers(Path dir) throws IOException {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(dir);
        return permissions.contains(PosixFilePermission.OTHERS_EXECUTE);
    }

    /** Lets other accounts pass through {@code dir} without listing or reading it (adds o+x only). */
    static void allowTraversal(Path dir) throws IOException {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(dir);
        permissions.add(PosixFilePermission.OTHERS_EXECUTE);
        Files.setPosixFilePermissions(dir, permissions);
    }
}
