package dev.noexcuses.features.definition;

/** The value types a feature has, with their SQL type in the feature tables. */
public enum FeatureType {
    LONG("BIGINT"),
    DOUBLE("DOUBLE");

    private final String sqlType;

    FeatureType(String sqlType) {
        this.sqlType = sqlType;
    }

    public String sqlType() {
        return sqlType;
    }

    /** The value read back from its text form in the online store. */
    public Object parse(String text) {
        return this == LONG ? (Object) Long.parseLong(text) : (Object) Double.parseDouble(text);
    }
}
