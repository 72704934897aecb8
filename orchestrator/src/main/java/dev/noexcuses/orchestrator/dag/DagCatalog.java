package dev.noexcuses.orchestrator.dag;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The DAGs a scheduler knows, by id. */
public final class DagCatalog {
    private final Map<String, Dag> byId = new LinkedHashMap<>();

    public DagCatalog(List<Dag> dags) {
        for (Dag dag : dags) {
            if (byId.put(dag.id(), dag) != null) {
                throw new IllegalArgumentException("Two DAGs are named " + dag.id());
            }
        }
    }

    /** The DAGs the platform ships. */
    public static DagCatalog shipped() {
        return new DagCatalog(List.of(ShippedDags.dailyLakehouse(), ShippedDags.dailyFeatures(),
                ShippedDags.mlTraining(), ShippedDags.batchScoring()));
    }

    public List<Dag> all() {
        return List.copyOf(byId.values());
    }

    public Optional<Dag> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public Dag get(String id) {
        return find(id).orElseThrow(() -> new IllegalArgumentException("No DAG named '" + id + "': DAGs are "
                + byId.keySet()));
    }
}
