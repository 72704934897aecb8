package dev.noexcuses.enricher.enrich;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.noexcuses.common.privacy.Pseudonymiser;
import java.util.List;

/**
 * Replaces personal data with the platform's {@link Pseudonymiser}: the configured fields and those
 * the event's schema marks as personal data ({@code "pii": true}). Runs after the enrichments that
 * need the clear values (user agent, GeoIP). Records what it replaced in
 * {@code enrichments.pseudonymised}.
 */
public final class PseudonymisationEnrichment implements Enrichment {
    private final Pseudonymiser pseudonymiser;

    public PseudonymisationEnrichment(Pseudonymiser pseudonymiser) {
        this.pseudonymiser = requireNonNull(pseudonymiser, "pseudonymiser is null");
    }

    public PseudonymisationEnrichment(String key, List<String> fields, Pseudonymiser.IpMode ipMode) {
        this(new Pseudonymiser(key, fields, ipMode));
    }

    @Override
    public String name() {
        return "pseudonymise";
    }

    @Override
    public void apply(Event event) {
        List<String> replaced = pseudonymiser.pseudonymiseEnvelope(event.envelope(), event.personalFields());
        if (!replaced.isEmpty()) {
            ArrayNode list = event.enrichments().putArray(Pseudonymiser.PSEUDONYMISED);
            replaced.forEach(list::add);
        }
    }

    /** The pseudonym of {@code value}: hex of the first 16 bytes of HMAC-SHA256(key, value). */
    public String hmac(String value) {
        return pseudonymiser.hmac(value);
    }

    static String truncate(String ip) {
        return Pseudonymiser.truncate(ip);
    }
}
