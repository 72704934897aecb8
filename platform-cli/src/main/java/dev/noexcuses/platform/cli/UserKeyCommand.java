package dev.noexcuses.platform.cli;

import com.typesafe.config.Config;
import dev.noexcuses.common.privacy.Pseudonymiser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * The lake's key of a known user: the enricher stores {@code user_id} as a keyed pseudonym, so the
 * feature store, the scores API and {@code ml.churn_scores} know a customer by that pseudonym, not by the
 * id a CRM holds. Prints {@code USER_ID<TAB>USER_KEY} per id, from the arguments or standard input.
 */
@Command(name = "user-key", description = {
        "Print the lake's user key (the pseudonym the enricher stores) of each user id, as USER_ID<TAB>USER_KEY,",
        "for asking the scores and features APIs about known customers. Ids from the arguments, or one per line",
        "from standard input when none is given. Uses pseudonymisation.key and pseudonymisation.fields."})
final class UserKeyCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Parameters(paramLabel = "USER_ID", arity = "0..*", description = "User ids as the producers send them.")
    List<String> userIds = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Config config = options.load();
        Pseudonymiser pseudonymiser = Pseudonymiser.from(config);
        boolean pseudonymised = pseudonymiser.fields().contains("user_id");
        if (!pseudonymised) {
            System.err.println("pseudonymisation.fields does not hold user_id: the lake keeps user ids as they are,"
                    + " so each user key is the id itself");
        }
        List<String> ids = userIds.isEmpty() ? readLines() : userIds;
        for (String id : ids) {
            if (id.isBlank()) {
                continue;
            }
            System.out.println(id + "\t" + (pseudonymised ? pseudonymiser.hmac(id) : id));
        }
        return 0;
    }

    private static List<String> readLines() throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lines.add(line.strip());
            }
        }
        return lines;
    }
}
