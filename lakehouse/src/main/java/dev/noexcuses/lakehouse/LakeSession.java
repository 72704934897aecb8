package dev.noexcuses.lakehouse;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/** The Spark session of a job JVM: one per process, with the lake's Iceberg catalog as its default. */
public final class LakeSession {
    private LakeSession() {}

    public static SparkSession open(JobSettings settings, String appName) {
        SparkConf conf = new SparkConf().setAppName(appName);
        for (Map.Entry<String, String> e : settings.sparkConfiguration().entrySet()) {
            conf.set(e.getKey(), e.getValue());
        }
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
