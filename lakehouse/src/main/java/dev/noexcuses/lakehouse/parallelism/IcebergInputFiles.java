package dev.noexcuses.lakehouse.parallelism;

import static java.util.Objects.requireNonNull;

import dev.noexcuses.lakehouse.JobSettings;
import dev.noexcuses.lakehouse.jobs.LakeTables;
import dev.noexcuses.lakehouse.parallelism.InputLayout.DataFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.jdbc.JdbcCatalog;

/**
 * The data files a job reads for its days, from Iceberg's metadata alone (no Spark session, no data
 * read): the same pruning a scan does, by partition and column statistics.
 */
public final class IcebergInputFiles implements AutoCloseable {
    private final JdbcCatalog catalog;

    public IcebergInputFiles(JobSettings settings) {
        requireNonNull(settings, "settings is null");
        Map<String, String> props = new HashMap<>();
        props.put("uri", settings.catalogUri());
        props.put("jdbc.user", settings.catalogUser());
        props.put("jdbc.password", settings.catalogPassword());
        props.put("jdbc.schema-version", "V1");
        props.put("warehouse", settings.warehouse());
        props.put("io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
        if (!settings.s3Endpoint().isBlank()) {
            props.put("s3.endpoint", settings.s3Endpoint());
        }
        props.put("s3.path-style-access", String.valueOf(settings.s3PathStyle()));
        props.put("client.region", settings.s3Region());
        if (!settings.s3AccessKey().isBlank()) {
            props.put("s3.access-key-id", settings.s3AccessKey());
            props.put("s3.secret-access-key", settings.s3SecretKey());
        }
        catalog = new JdbcCatalog();
        catalog.initialize(settings.catalogName(), props);
    }

    /** The input of {@code job} (quality, curate, sessions, model; all reads what quality reads) for these days. */
    public InputLayout forJob(String job, List<LocalDate> days) {
        LocalDate first = days.stream().min(LocalDate::compareTo).orElseThrow();
        LocalDate last = days.stream().max(LocalDate::compareTo).orElseThrow();
        return switch (job) {
            case "all", "quality", "curate" -> read(List.of(LakeTables.RAW_EVENTS), Expressions.and(
                    Expressions.greaterThanOrEqual("event_time", micros(first)),
                    Expressions.lessThan("event_time", micros(last.plusDays(1)))));
            case "sessions" -> read(List.of(LakeTables.EVENTS), dateRange(first, last));
            case "model" -> read(List.of(LakeTables.EVENTS, LakeTables.SESSIONS), dateRange(first, last));
            // The experiments job reads its exposures and outcomes over a lookback window: the curated events of it.
            case "experiments" -> read(List.of(LakeTables.EVENTS), dateRange(first.minusDays(59), last));
            default -> throw new IllegalArgumentException("Invalid job: " + job + ", expected quality, curate, sessions, model or all");
        };
    }

    private InputLayout read(List<String> tables, Expression filter) {
        List<DataFile> files = new ArrayList<>();
        for (String name : tables) {
            TableIdentifier id = TableIdentifier.parse(name);
            if (!catalog.tableExists(id)) {
                continue;
            }
            Table table = catalog.loadTable(id);
            try (CloseableIterable<FileScanTask> tasks = table.newScan().filter(filter).planFiles()) {
                for (FileScanTask task : tasks) {
                    List<Long> offsets = task.file().splitOffsets();
                    files.add(new DataFile(task.file().fileSizeInBytes(), offsets == null ? 1 : Math.max(1, offsets.size())));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot list the data files of " + name + ": " + e.getMessage(), e);
            }
        }
        return new InputLayout(tables, files);
    }

    private static Expression dateRange(LocalDate first, LocalDate last) {
        return Expressions.and(Expressions.greaterThanOrEqual("event_date", first.toString()),
                Expressions.lessThanOrEqual("event_date", last.toString()));
    }

    private static long micros(LocalDate day) {
        return day.atStartOfDay().toEpochSecond(ZoneOffset.UTC) * 1_000_000L;
    }

    @Override
    public void close() {
        catalog.close();
    }
}
