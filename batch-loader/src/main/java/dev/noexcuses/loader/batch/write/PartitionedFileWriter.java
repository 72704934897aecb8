package dev.noexcuses.loader.batch.write;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.iceberg.DataFile;
import org.apache.iceberg.FileFormat;
import org.apache.iceberg.PartitionKey;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.GenericAppenderFactory;
import org.apache.iceberg.data.InternalRecordWrapper;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.DataWriter;
import org.apache.iceberg.io.OutputFileFactory;

/**
 * Writes a table's rows into Parquet data files, one open file per partition, each rolled over
 * when it reaches the target size. Rows stay in the Parquet writer's memory until a row group is
 * full; {@link #complete()} closes every file and returns them, ready to commit.
 */
public final class PartitionedFileWriter {
    private static final int SIZE_CHECK_EVERY_ROWS = 1000;

    private final Table table;
    private final GenericAppenderFactory appenders;
    private final OutputFileFactory files;
    private final long targetFileSizeBytes;
    private final PartitionKey partitionKey;
    private final InternalRecordWrapper wrapper;
    private final Map<PartitionKey, DataWriter<Record>> open = new HashMap<>();
    private final List<DataFile> completed = new ArrayList<>();
    private long rows;
    private long largestOpenFileBytes;

    public PartitionedFileWriter(Table table, OutputFileFactory files, long targetFileSizeBytes) {
        this.table = requireNonNull(table, "table is null");
        this.files = requireNonNull(files, "files is null");
        this.targetFileSizeBytes = targetFileSizeBytes;
        this.appenders = new GenericAppenderFactory(table.schema(), table.spec());
        this.appenders.setAll(table.properties());
        this.partitionKey = new PartitionKey(table.spec(), table.schema());
        this.wrapper = new InternalRecordWrapper(table.schema().asStruct());
    }

    public void write(Record row) {
        partitionKey.partition(wrapper.wrap(row));
        DataWriter<Record> writer = open.get(partitionKey);
        if (writer == null) {
            PartitionKey key = partitionKey.copy();
            writer = appenders.newDataWriter(files.newOutputFile(table.spec(), key), FileFormat.PARQUET, key);
            open.put(key, writer);
        }
        writer.write(row);
        rows++;
        if (rows % SIZE_CHECK_EVERY_ROWS == 0) {
            long length = writer.length();
            if (length >= targetFileSizeBytes) {
                open.values().remove(writer);
                completed.add(close(writer));
                largestOpenFileBytes = 0;
            } else {
                largestOpenFileBytes = Math.max(largestOpenFileBytes, length);
            }
        }
    }

    /** Rows written since the last {@link #complete()}. */
    public long rows() {
        return rows;
    }

    /** Whether a file has reached the target size (checked every thousand rows). */
    public boolean hasFullFile() {
        return !completed.isEmpty() || largestOpenFileBytes >= targetFileSizeBytes;
    }

    /** Closes every open file; returns all files written since the last call. */
    public List<DataFile> complete() {
        for (DataWriter<Record> writer : open.values()) {
            completed.add(close(writer));
        }
        open.clear();
        List<DataFile> result = List.copyOf(completed);
        completed.clear();
        rows = 0;
        largestOpenFileBytes = 0;
        return result;
    }

    /** Closes and deletes everything written since the last {@link #complete()}. */
    public void abort() {
        List<DataFile> written = complete();
        for (DataFile file : written) {
            table.io().deleteFile(file.location());
        }
    }

    private static DataFile close(DataWriter<Record> writer) {
        try {
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot close a data file: " + e.getMessage(), e);
        }
        return writer.toDataFile();
    }
}
