package dev.noexcuses.enricher.geo;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * Writes a small IPv4 MaxMind DB file (format 2.0) that maps networks to places, in either record
 * layout {@link CityDatabase} reads: MaxMind's GeoLite2 City (nested) or DB-IP City Lite as published
 * by ip-location-db (flat, coordinates as single-precision floats). Test fixtures: the tests know
 * exactly which address is where without a network or a licence. Networks must not overlap.
 */
public final class MmdbWriter {
    private static final byte[] METADATA_MARKER = {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF,
            'M', 'a', 'x', 'M', 'i', 'n', 'd', '.', 'c', 'o', 'm'};

    /** The record layout of the file. */
    public enum Layout { MAXMIND_CITY, DBIP_CITY }

    /** One network and where it is; region, city and coordinates may be null. */
    public record Location(String network, String countryCode, String countryName, String region, String cityName,
                           Double latitude, Double longitude) {
        public Location {
            requireNonNull(network, "network is null");
            requireNonNull(countryCode, "countryCode is null");
            requireNonNull(countryName, "countryName is null");
        }

        public Location(String network, String countryCode, String countryName, String cityName) {
            this(network, countryCode, countryName, null, cityName, null, null);
        }
    }

    private static final class Node {
        Object[] children = new Object[2];
    }

    private record Leaf(int dataIndex) {}

    private MmdbWriter() {}

    /** Writes a GeoLite2 City database for {@code locations} (CIDR networks such as {@code 81.2.69.0/24}). */
    public static void writeCityDatabase(Path file, List<Location> locations) throws IOException {
        writeCityDatabase(file, Layout.MAXMIND_CITY, locations);
    }

    /** Writes a City database in {@code layout} for {@code locations} to {@code file}. */
    public static void writeCityDatabase(Path file, Layout layout, List<Location> locations) throws IOException {
        Node root = new Node();
        List<Map<String, Object>> records = new ArrayList<>();
        for (Location location : locations) {
            String[] parts = location.network().split("/");
            if (parts.length != 2) {
                throw new IllegalArgumentException("Invalid network '" + location.network() + "': expected a.b.c.d/len");
            }
            byte[] address = InetAddress.getByName(parts[0]).getAddress();
            int prefix = Integer.parseInt(parts[1]);
            if (address.length != 4 || prefix < 1 || prefix > 32) {
                throw new IllegalArgumentException("Invalid network '" + location.network() + "': expected IPv4 /1../32");
            }
            records.add(layout == Layout.MAXMIND_CITY ? cityRecord(location) : dbipRecord(location));
            insert(root, address, prefix, new Leaf(records.size() - 1));
        }

        // Number the nodes breadth-first; the root is node 0.
        Map<Node, Integer> numbers = new IdentityHashMap<>();
        List<Node> ordered = new ArrayList<>();
        Queue<Node> queue = new ArrayDeque<>(List.of(root));
        while (!queue.isEmpty()) {
            Node node = queue.remove();
            numbers.put(node, ordered.size());
            ordered.add(node);
            for (Object child : node.children) {
                if (child instanceof Node n) {
                    queue.add(n);
                }
            }
        }
        int nodeCount = ordered.size();

        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int[] offsets = new int[records.size()];
        for (int i = 0; i < records.size(); i++) {
            offsets[i] = data.size();
            encode(records.get(i), data);
        }

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Node node : ordered) {
            for (Object child : node.children) {
                long value;
                if (child instanceof Node n) {
                    value = numbers.get(n);
                } else if (child instanceof Leaf leaf) {
                    value = (long) nodeCount + 16 + offsets[leaf.dataIndex()];
                } else {
                    value = nodeCount;
                }
                out.write((int) (value >>> 16) & 0xFF);
                out.write((int) (value >>> 8) & 0xFF);
                out.write((int) value & 0xFF);
            }
        }
        out.write(new byte[16]);
        data.writeTo(out);
        out.write(METADATA_MARKER);
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("binary_format_major_version", new UInt16(2));
        metadata.put("binary_format_minor_version", new UInt16(0));
        metadata.put("build_epoch", new UInt64(Instant.now().getEpochSecond()));
        metadata.put("database_type", layout == Layout.MAXMIND_CITY ? "GeoLite2-City" : "city ipv4");
        metadata.put("description", Map.of("en", "No Excuses local demo GeoIP database"));
        metadata.put("ip_version", new UInt16(4));
        metadata.put("languages", List.of("en"));
        metadata.put("node_count", new UInt32(nodeCount));
        metadata.put("record_size", new UInt16(24));
        encode(metadata, out);
        Files.write(file, out.toByteArray());
    }

    private static Map<String, Object> cityRecord(Location location) {
        Map<String, Object> record = new LinkedHashMap<>();
        Map<String, Object> country = new LinkedHashMap<>();
        country.put("iso_code", location.countryCode());
        country.put("names", Map.of("en", location.countryName()));
        record.put("country", country);
        if (location.region() != null) {
            record.put("subdivisions", List.of(Map.of("names", Map.of("en", location.region()))));
        }
        if (location.cityName() != null) {
            record.put("city", Map.of("names", Map.of("en", location.cityName())));
        }
        if (location.latitude() != null) {
            record.put("location", Map.of("latitude", location.latitude(), "longitude", location.longitude(),
                    "accuracy_radius", new UInt16(20)));
        }
        return record;
    }

    /** ip-location-db's layout: every field present, empty strings for what is unknown. */
    private static Map<String, Object> dbipRecord(Location location) {
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("country_code", location.countryCode());
        record.put("state1", location.region() == null ? "" : location.region());
        record.put("state2", "");
        record.put("city", location.cityName() == null ? "" : location.cityName());
        record.put("postcode", "");
        if (location.latitude() != null) {
            record.put("latitude", location.latitude().floatValue());
            record.put("longitude", location.longitude().floatValue());
        }
        record.put("timezone", "");
        return record;
    }

    private static void insert(Node root, byte[] address, int prefix, Leaf leaf) {
        Node node = root;
        for (int depth = 0; depth < prefix; depth++) {
            int bit = (address[depth / 8] >> (7 - depth % 8)) & 1;
            if (depth == prefix - 1) {
                if (node.children[bit] != null) {
                    throw new IllegalArgumentException("Overlapping networks in the GeoIP database");
                }
                node.children[bit] = leaf;
                return;
            }
            Object child = node.children[bit];
            if (child == null) {
                child = new Node();
                node.children[bit] = child;
            } else if (!(child instanceof Node)) {
                throw new IllegalArgumentException("Overlapping networks in the GeoIP database");
            }
            node = (Node) child;
        }
    }

    private record UInt16(int value) {}

    private record UInt32(long value) {}

    private record UInt64(long value) {}

    private static void encode(Object value, ByteArrayOutputStream out) {
        if (value instanceof String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            control(2, bytes.length, out);
            out.writeBytes(bytes);
        } else if (value instanceof Map<?, ?> map) {
            control(7, map.size(), out);
            for (Map.Entry<?, ?> e : new HashMap<>(map).entrySet()) {
                encode(String.valueOf(e.getKey()), out);
                encode(e.getValue(), out);
            }
        } else if (value instanceof List<?> list) {
            extendedControl(11, list.size(), out);
            list.forEach(item -> encode(item, out));
        } else if (value instanceof Double d) {
            control(3, 8, out);
            long bits = Double.doubleToLongBits(d);
            for (int i = 7; i >= 0; i--) {
                out.write((int) (bits >>> (8 * i)) & 0xFF);
            }
        } else if (value instanceof Float f) {
            extendedControl(15, 4, out);
            int bits = Float.floatToIntBits(f);
            for (int i = 3; i >= 0; i--) {
                out.write((bits >>> (8 * i)) & 0xFF);
            }
        } else if (value instanceof UInt16 u) {
            unsigned(5, u.value(), out);
        } else if (value instanceof UInt32 u) {
            unsigned(6, u.value(), out);
        } else if (value instanceof UInt64 u) {
            byte[] bytes = minimalBytes(u.value());
            extendedControl(9, bytes.length, out);
            out.writeBytes(bytes);
        } else {
            throw new IllegalArgumentException("Cannot encode " + value + " in a MaxMind DB");
        }
    }

    private static void unsigned(int type, long value, ByteArrayOutputStream out) {
        byte[] bytes = minimalBytes(value);
        control(type, bytes.length, out);
        out.writeBytes(bytes);
    }

    private static byte[] minimalBytes(long value) {
        int length = 0;
        for (long v = value; v != 0; v >>>= 8) {
            length++;
        }
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[length - 1 - i] = (byte) (value >>> (8 * i));
        }
        return bytes;
    }

    private static void control(int type, int size, ByteArrayOutputStream out) {
        writeControl(type << 5, -1, size, out);
    }

    private static void extendedControl(int type, int size, ByteArrayOutputStream out) {
        writeControl(0, type - 7, size, out);
    }

    private static void writeControl(int typeBits, int extendedType, int size, ByteArrayOutputStream out) {
        byte[] sizeBytes;
        int sizeBits;
        if (size < 29) {
            sizeBits = size;
            sizeBytes = new byte[0];
        } else if (size < 285) {
            sizeBits = 29;
            sizeBytes = new byte[] {(byte) (size - 29)};
        } else if (size < 65_821) {
            sizeBits = 30;
            int rest = size - 285;
            sizeBytes = new byte[] {(byte) (rest >>> 8), (byte) rest};
        } else {
            sizeBits = 31;
            int rest = size - 65_821;
            sizeBytes = new byte[] {(byte) (rest >>> 16), (byte) (rest >>> 8), (byte) rest};
        }
        out.write(typeBits | sizeBits);
        if (extendedType >= 0) {
            out.write(extendedType);
        }
        out.writeBytes(sizeBytes);
    }
}
