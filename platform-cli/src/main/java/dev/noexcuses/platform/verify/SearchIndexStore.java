package dev.noexcuses.platform.verify;

import com.typesafe.config.Config;
import dev.noexcuses.loader.realtime.index.ClusterAccess;
import dev.noexcuses.loader.realtime.index.SearchClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.core.search.Hit;

/** The enriched events' daily indices in OpenSearch, looked up by document id (= event_id). */
public final class SearchIndexStore implements Reconciler.DownstreamStore {
    private static final int CHUNK = 1000;

    private final ClusterAccess access;

    public SearchIndexStore(Config config) {
        this.access = ClusterAccess.from(config);
    }

    @Override
    public String name() {
        return "OpenSearch events-enriched-*";
    }

    @Override
    public Map<String, Integer> copies(Set<String> eventIds) throws Exception {
        Map<String, Integer> copies = new HashMap<>();
        OpenSearchClient client = SearchClients.create(access, Duration.ofSeconds(30));
        try {
            client.indices().refresh(r -> r.index("events-enriched-*").allowNoIndices(true));
            List<String> ids = new ArrayList<>(eventIds);
            for (int i = 0; i < ids.size(); i += CHUNK) {
                List<String> chunk = ids.subList(i, Math.min(ids.size(), i + CHUNK));
                SearchResponse<Void> response = client.search(s -> s.index("events-enriched-*")
                        .allowNoIndices(true).ignoreUnavailable(true).size(CHUNK * 2).source(src -> src.fetch(false))
                        .query(q -> q.ids(v -> v.values(chunk))), Void.class);
                for (Hit<Void> hit : response.hits().hits()) {
                    copies.merge(hit.id(), 1, Integer::sum);
                }
            }
        } finally {
            SearchClients.close(client);
        }
        return copies;
    }
}
