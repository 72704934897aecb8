package dev.noexcuses.lakehouse;

import static java.util.Objects.requireNonNull;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A job JVM's arguments as {@code ./platform} passes them: {@code COMMAND --name value ...}. An option given
 * more than once keeps every value ({@code --conf k=v}, {@code --param k=v}); {@link #value} reads the last.
 * Where the lake is and Spark's settings become {@link JobSettings}, with passwords and keys from the
 * environment. Shared by the lakehouse jobs, the feature store's commands and the ML pipelines.
 */
public final class JobArguments {
    private final String command;
    private final Map<String, List<String>> options;

    private JobArguments(String command, Map<String, List<String>> options) {
        this.command = command;
        this.options = options;
    }

    /**
     * @param commands the commands this entry point knows
     * @throws IllegalArgumentException saying what is missing, unknown or malformed
     */
    public static JobArguments parse(String[] args, List<String> commands) {
        requireNonNull(commands, "commands is null");
        String expected = commands.size() == 1 ? commands.get(0)
                : String.join(", ", commands.subList(0, commands.size() - 1)) + " or " + commands.get(commands.size() - 1);
        if (args.length == 0 || args[0].startsWith("--")) {
            throw new IllegalArgumentException("Missing the command: " + expected);
        }
        if (!commands.contains(args[0])) {
            throw new IllegalArgumentException("Unknown command '" + args[0] + "': expected " + expected);
        }
        Map<String, List<String>> options = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("Invalid argument: " + args[i] + ", expected --name value");
            }
            options.computeIfAbsent(args[i].substring(2), k -> new ArrayList<>()).add(args[++i]);
        }
        return new JobArguments(args[0], options);
    }

    public String command() {
        return command;
    }

    public boolean has(String name) {
        return options.containsKey(name);
    }

    /** The option's last value, or {@code fallback} when it is not given. */
    public String value(String name, String fallback) {
        List<String> given = options.get(name);
        return given == null ? fallback : given.get(given.size() - 1);
    }

    /** The option's last value; missing or blank is an error naming it. */
    public String required(String name) {
        String v = value(name, null);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("Missing --" + name);
        }
        return v;
    }

    /** Every {@code key=value} given to a repeated option, in order (a later key replaces an earlier one). */
    public Map<String, String> pairs(String name) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : options.getOrDefault(name, List.of())) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("Invalid --" + name + " " + pair + ", expected key=value");
            }
            out.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return out;
    }

    /** {@code --date D}, or every day of {@code --from D1 --to D2}. */
    public List<LocalDate> days() {
        try {
            if (has("date")) {
                return List.of(LocalDate.parse(required("date")));
            }
            LocalDate from = LocalDate.parse(required("from"));
            LocalDate to = LocalDate.parse(required("to"));
            if (to.isBefore(from)) {
                throw new IllegalArgumentException("Invalid range: --to " + to + " is before --from " + from);
            }
            List<LocalDate> days = new ArrayList<>();
            for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
                days.add(d);
            }
            return days;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("Invalid date: " + e.getParsedString() + ", expected YYYY-MM-DD");
        }
    }

    /** The lake and Spark settings given as arguments, the secrets from {@code env}. */
    public JobSettings settings(Map<String, String> env) {
        return new JobSettings(value("catalog-name", "lake"), required("catalog-uri"), value("catalog-user", "noexcuses"),
                env.getOrDefault(JobSettings.CATALOG_PASSWORD_ENV, ""), required("warehouse"), value("s3-endpoint", ""),
                value("s3-region", "us-east-1"), env.getOrDefault(JobSettings.S3_ACCESS_KEY_ENV, ""),
                env.getOrDefault(JobSettings.S3_SECRET_KEY_ENV, ""), Boolean.parseBoolean(value("s3-path-style", "true")),
                value("master", "local[*]"), Integer.parseInt(value("ui-port", "4040")),
                Integer.parseInt(value("shuffle-partitions", "0")), pairs("conf"));
    }
}
