package dev.noexcuses.orchestrator.dag;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One task of a DAG: a command run as a child process, the tasks it waits for, how it is retried
 * (never after an exit code of {@code noRetryExitCodes}: the input is at fault, a retry would fail the
 * same way), how long it may take, and the pool whose slots it needs. The command may contain {@code {{ ds }}},
 * replaced by the run's logical date (YYYY-MM-DD) — the same template Airflow uses, so an exported
 * DAG runs the very same command. A command starting with {@code ./platform} runs the platform's own
 * command line, on the same data directory as the orchestrator.
 */
public record DagTask(String id, List<String> command, List<String> upstream, RetryPolicy retry,
                      Duration timeout, Optional<String> pool, Set<Integer> noRetryExitCodes) {
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9_]*");
    public static final String DS = "{{ ds }}";

    public DagTask {
        requireNonNull(id, "id is null");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("Invalid task id '" + id + "': expected lower-case letters, digits and _");
        }
        command = List.copyOf(command);
        upstream = List.copyOf(upstream);
        requireNonNull(retry, "retry is null");
        requireNonNull(timeout, "timeout is null");
        requireNonNull(pool, "pool is null");
        noRetryExitCodes = Set.copyOf(noRetryExitCodes);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("Task " + id + " has no command");
        }
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("Invalid timeout of task " + id + ": " + timeout + " (expected > 0)");
        }
    }

    public static Builder named(String id) {
        return new Builder(id);
    }

    /** The command with the logical date filled in. */
    public List<String> commandFor(LocalDate logicalDate) {
        return command.stream().map(arg -> arg.replace(DS, logicalDate.toString())).toList();
    }

    public boolean runsPlatformCommand() {
        return command.get(0).equals("./platform");
    }

    public int maxTries() {
        return retry.retries() + 1;
    }

    /** Whether a try that ended with {@code exitCode} (null: killed, timed out) may be retried. */
    public boolean retriesAfter(Integer exitCode) {
        return exitCode == null || !noRetryExitCodes.contains(exitCode);
    }

    public static final class Builder {
        private final String id;
        private List<String> command = List.of();
        private List<String> upstream = List.of();
        private RetryPolicy retry = RetryPolicy.NONE;
        private Duration timeout = Duration.ofHours(1);
        private Optional<String> pool = Optional.empty();
        private Set<Integer> noRetryExitCodes = Set.of();

        private Builder(String id) {
            this.id = id;
        }

        public Builder command(String... args) {
            this.command = List.of(args);
            return this;
        }

        public Builder after(String... upstreamTasks) {
            this.upstream = List.of(upstreamTasks);
            return this;
        }

        public Builder retry(RetryPolicy retry) {
            this.retry = retry;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        public Builder pool(String pool) {
            this.pool = Optional.of(pool);
            return this;
        }

        /** Exit codes after which the task fails at once, without its retries: the input, not the run, is at fault. */
        public Builder noRetryOnExit(Integer... exitCodes) {
            this.noRetryExitCodes = Set.of(exitCodes);
            return this;
        }

        public DagTask build() {
            return new DagTask(id, command, upstream, retry, timeout, pool, noRetryExitCodes);
        }
    }
}
