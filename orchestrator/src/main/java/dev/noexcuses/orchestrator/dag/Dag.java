package dev.noexcuses.orchestrator.dag;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.orchestrator.schedule.CronSchedule;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A DAG in code: tasks with dependencies, a cron schedule in a time zone (absent: runs only when
 * triggered), whether missed intervals are caught up after downtime, and how many runs may be active
 * at once. A run covers one data interval between two schedule points; its logical date is the
 * interval's start.
 */
public record Dag(String id, String description, Optional<CronSchedule> schedule, ZoneId zone, boolean catchup,
                  int maxActiveRuns, List<DagTask> tasks) {
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9_]*");

    public Dag {
        requireNonNull(id, "id is null");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("Invalid DAG id '" + id + "': expected lower-case letters, digits and _");
        }
        requireNonNull(description, "description is null");
        requireNonNull(schedule, "schedule is null");
        requireNonNull(zone, "zone is null");
        tasks = List.copyOf(tasks);
        if (maxActiveRuns < 1) {
            throw new IllegalArgumentException("Invalid maxActiveRuns of DAG " + id + ": " + maxActiveRuns);
        }
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("DAG " + id + " has no tasks");
        }
        Map<String, DagTask> byId = new HashMap<>();
        for (DagTask t : tasks) {
            if (byId.put(t.id(), t) != null) {
                throw new IllegalArgumentException("DAG " + id + " has two tasks named " + t.id());
            }
        }
        for (DagTask t : tasks) {
            for (String up : t.upstream()) {
                if (!byId.containsKey(up)) {
                    throw new IllegalArgumentException("Task " + t.id() + " of DAG " + id + " waits for unknown task " + up);
                }
            }
        }
        topologicalOrder(id, tasks);
    }

    public static Builder named(String id) {
        return new Builder(id);
    }

    public DagTask task(String taskId) {
        return tasks.stream().filter(t -> t.id().equals(taskId)).findFirst().orElseThrow(() ->
                new IllegalArgumentException("DAG " + id + " has no task '" + taskId + "': tasks are "
                        + tasks.stream().map(DagTask::id).toList()));
    }

    /** The tasks that wait, directly or not, for {@code taskId}. */
    public Set<String> downstreamOf(String taskId) {
        Set<String> found = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(taskId));
        while (!todo.isEmpty()) {
            String current = todo.pop();
            for (DagTask t : tasks) {
                if (t.upstream().contains(current) && found.add(t.id())) {
                    todo.push(t.id());
                }
            }
        }
        return found;
    }

    /** Task ids in an order where every task comes after those it waits for. */
    public List<String> taskOrder() {
        return topologicalOrder(id, tasks);
    }

    private static List<String> topologicalOrder(String dagId, List<DagTask> tasks) {
        Map<String, Integer> waiting = new LinkedHashMap<>();
        tasks.forEach(t -> waiting.put(t.id(), t.upstream().size()));
        List<String> order = new ArrayList<>();
        Deque<String> ready = new ArrayDeque<>();
        waiting.forEach((t, n) -> {
            if (n == 0) {
                ready.add(t);
            }
        });
        while (!ready.isEmpty()) {
            String t = ready.poll();
            order.add(t);
            for (DagTask next : tasks) {
                if (next.upstream().contains(t) && waiting.merge(next.id(), -1, Integer::sum) == 0) {
                    ready.add(next.id());
                }
            }
        }
        if (order.size() != tasks.size()) {
            throw new IllegalArgumentException("DAG " + dagId + " has a dependency cycle among "
                    + tasks.stream().map(DagTask::id).filter(t -> !order.contains(t)).toList());
        }
        return order;
    }

    public static final class Builder {
        private final String id;
        private String description = "";
        private Optional<CronSchedule> schedule = Optional.empty();
        private ZoneId zone = ZoneId.of("UTC");
        private boolean catchup = true;
        private int maxActiveRuns = 1;
        private final List<DagTask> tasks = new ArrayList<>();

        private Builder(String id) {
            this.id = id;
        }

        public Builder description(String description) {
            this.description = description;
            return this;
        }

        public Builder schedule(String cron, ZoneId zone) {
            this.schedule = Optional.of(CronSchedule.parse(cron));
            this.zone = zone;
            return this;
        }

        public Builder catchup(boolean catchup) {
            this.catchup = catchup;
            return this;
        }

        public Builder maxActiveRuns(int maxActiveRuns) {
            this.maxActiveRuns = maxActiveRuns;
            return this;
        }

        public Builder task(DagTask task) {
            tasks.add(task);
            return this;
        }

        public Dag build() {
            return new Dag(id, description, schedule, zone, catchup, maxActiveRuns, tasks);
        }
    }
}
