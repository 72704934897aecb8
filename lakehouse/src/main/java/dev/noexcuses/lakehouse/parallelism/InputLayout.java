package dev.noexcuses.lakehouse.parallelism;

import java.util.List;

/**
 * The data files a job reads, as Iceberg lists them: size and the offsets at which the file can be
 * split (a Parquet file's row groups). A file with one row group is read by one task whatever the
 * split size; a file with several can be read by as many tasks.
 */
public record InputLayout(List<String> tables, List<DataFile> files) {
    public InputLayout {
        tables = List.copyOf(tables);
        files = List.copyOf(files);
    }

    /** One data file: its size and how many independently readable parts (row groups) it has. */
    public record DataFile(long bytes, int rowGroups) {
        public DataFile {
            if (bytes < 0 || rowGroups < 1) {
                throw new IllegalArgumentException("Invalid data file: " + bytes + " bytes, " + rowGroups
                        + " row groups; expected bytes >= 0 and at least one row group");
            }
        }

        public boolean splittable() {
            return rowGroups > 1;
        }
    }

    public long totalBytes() {
        return files.stream().mapToLong(DataFile::bytes).sum();
    }

    public long largestBytes() {
        return files.stream().mapToLong(DataFile::bytes).max().orElse(0);
    }

    /** The median file size (the lower middle one for an even count), 0 without files. */
    public long medianBytes() {
        long[] sizes = files.stream().mapToLong(DataFile::bytes).sorted().toArray();
        return sizes.length == 0 ? 0 : sizes[(sizes.length - 1) / 2];
    }

    public int rowGroups() {
        return files.stream().mapToInt(DataFile::rowGroups).sum();
    }
}
