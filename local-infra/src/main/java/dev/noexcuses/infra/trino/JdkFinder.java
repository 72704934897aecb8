package dev.noexcuses.infra.trino;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds a JDK of at least a given feature version on this machine, for a server that needs a newer
 * Java than the platform's own (Trino 476 needs 24): the configured home, else {@code JAVA_HOME}, else
 * the newest installed JDK in the search paths. Remembers what it looked at, so a miss can say so.
 */
final class JdkFinder {
    private static final Pattern JAVA_VERSION = Pattern.compile("^JAVA_VERSION=\"(\\d+)", Pattern.MULTILINE);

    /** A JDK: its home (with {@code bin/java}) and feature version (17, 24, 25, ...). */
    record Jdk(Path home, int feature) {
        Jdk {
            requireNonNull(home, "home is null");
        }

        Path java() {
            return home.resolve("bin/java");
        }
    }

    private final int minimum;
    private final String configuredHome;
    private final String javaHomeEnv;
    private final List<Path> searchPaths;
    private final List<String> looked = new ArrayList<>();

    /**
     * @param configuredHome the JDK the user named (blank for none): only it is considered when set
     * @param javaHomeEnv the {@code JAVA_HOME} environment variable, blank or null when unset
     * @param searchPaths JDK homes or folders of them, such as {@code /usr/lib/jvm}
     */
    JdkFinder(int minimum, String configuredHome, String javaHomeEnv, List<Path> searchPaths) {
        this.minimum = minimum;
        this.configuredHome = requireNonNull(configuredHome, "configuredHome is null");
        this.javaHomeEnv = javaHomeEnv == null ? "" : javaHomeEnv;
        this.searchPaths = List.copyOf(searchPaths);
    }

    Optional<Jdk> find() {
        looked.clear();
        if (!configuredHome.isBlank()) {
            return check(Path.of(configuredHome), "java-home");
        }
        if (!javaHomeEnv.isBlank()) {
            Optional<Jdk> fromEnv = check(Path.of(javaHomeEnv), "JAVA_HOME");
            if (fromEnv.isPresent()) {
                return fromEnv;
            }
        }
        List<Jdk> found = new ArrayList<>();
        for (Path path : searchPaths) {
            if (Files.isRegularFile(path.resolve("release"))) {
                check(path, "installed").ifPresent(found::add);
                continue;
            }
            if (!Files.isDirectory(path)) {
                continue;
            }
            try (Stream<Path> children = Files.list(path)) {
                for (Path child : children.sorted().toList()) {
                    // macOS keeps the home one level down.
                    Path home = Files.isDirectory(child.resolve("Contents/Home")) ? child.resolve("Contents/Home") : child;
                    if (Files.isRegularFile(home.resolve("release"))) {
                        check(home, "installed").ifPresent(found::add);
                    }
                }
            } catch (IOException e) {
                looked.add(path + " (cannot list: " + e.getMessage() + ")");
            }
        }
        if (found.isEmpty() && looked.isEmpty()) {
            looked.add("no JDK in " + searchPaths);
        }
        return found.stream().max(Comparator.comparingInt(Jdk::feature));
    }

    /** What was looked at and why it did not do, e.g. {@code JAVA_HOME /usr/lib/jvm/java-17 (Java 17)}. */
    List<String> looked() {
        return List.copyOf(looked);
    }

    private Optional<Jdk> check(Path home, String source) {
        Path java = home.resolve("bin/java");
        if (!Files.isExecutable(java)) {
            looked.add(source + " " + home + " (no bin/java)");
            return Optional.empty();
        }
        Optional<Integer> feature = feature(home);
        if (feature.isEmpty()) {
            looked.add(source + " " + home + " (no JAVA_VERSION in its release file)");
            return Optional.empty();
        }
        if (feature.get() < minimum) {
            looked.add(source + " " + home + " (Java " + feature.get() + ")");
            return Optional.empty();
        }
        return Optional.of(new Jdk(home, feature.get()));
    }

    /** The feature version from the JDK's {@code release} file ({@code JAVA_VERSION="25.0.1"}). */
    static Optional<Integer> feature(Path home) {
        try {
            Matcher m = JAVA_VERSION.matcher(Files.readString(home.resolve("release")));
            if (!m.find()) {
                return Optional.empty();
            }
            int major = Integer.parseInt(m.group(1));
            // Java 8 and older call themselves 1.x.
            return Optional.of(major == 1 ? 8 : major);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
