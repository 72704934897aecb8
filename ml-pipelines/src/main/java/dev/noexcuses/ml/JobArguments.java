package dev.noexcuses.ml;

import dev.noexcuses.lakehouse.JobSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code COMMAND --key value ...} as the launcher passes them ({@code --conf k=v} and {@code --param k=v} repeat),
 * with the lake's settings; secrets come from the environment.
 */
record JobArguments(String command, Map<String, String> values, List<String> confs, List<String> params) {
    static JobArguments parse(String[] args) {
        if (args.length == 0 || args[0].startsWith("--")) {
            throw new IllegalArgumentException("Missing the command: train, score or churn-list");
        }
        Map<String, String> values = new LinkedHashMap<>();
        List<String> confs = new ArrayList<>();
        List<String> params = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("Invalid argument: " + args[i] + ", expected --name value");
            }
            String name = args[i].substring(2);
            String value = args[++i];
            switch (name) {
                case "conf" -> confs.add(value);
                case "param" -> params.add(value);
                default -> values.put(name, value);
            }
        }
        return new JobArguments(args[0], values, confs, params);
    }

    String value(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    String required(String name) {
        String v = values.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("Missing --" + name);
        }
        return v;
    }

    static Map<String, String> pairs(List<String> given, String option) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String c : given) {
            int eq = c.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("Invalid --" + option + " " + c + ", expected key=value");
            }
            out.put(c.substring(0, eq), c.substring(eq + 1));
        }
        return out;
    }

    JobSettings settings(Map<String, String> env) {
        return new JobSettings(value("catalog-name", "lake"), required("catalog-uri"), value("catalog-user", "noexcuses"),
                env.getOrDefault(JobSettings.CATALOG_PASSWORD_ENV, ""), required("warehouse"), value("s3-endpoint", ""),
                value("s3-region", "us-east-1"), env.getOrDefault(JobSettings.S3_ACCESS_KEY_ENV, ""),
                env.getOrDefault(JobSettings.S3_SECRET_KEY_ENV, ""), Boolean.parseBoolean(value("s3-path-style", "true")),
                value("master", "local[*]"), Integer.parseInt(value("ui-port", "4040")),
                Integer.parseInt(value("shuffle-partitions", "0")), pairs(confs, "conf"));
    }
}
