package dev.noexcuses.registry;

import static java.util.Objects.requireNonNull;

/**
 * A refused call, as the caller sees it: the HTTP status, MLflow's error code for it and a message that
 * says what was wrong and what was expected.
 */
public final class RegistryException extends RuntimeException {
    private final int status;
    private final String errorCode;

    public RegistryException(int status, String errorCode, String message) {
        super(requireNonNull(message, "message is null"));
        this.status = status;
        this.errorCode = requireNonNull(errorCode, "errorCode is null");
    }

    public static RegistryException notFound(String message) {
        return new RegistryException(404, "RESOURCE_DOES_NOT_EXIST", message);
    }

    public static RegistryException invalid(String message) {
        return new RegistryException(400, "INVALID_PARAMETER_VALUE", message);
    }

    public static RegistryException exists(String message) {
        return new RegistryException(400, "RESOURCE_ALREADY_EXISTS", message);
    }

    public static RegistryException conflict(String message) {
        return new RegistryException(409, "INVALID_STATE", message);
    }

    public static RegistryException forbidden(String message) {
        return new RegistryException(403, "PERMISSION_DENIED", message);
    }

    public int status() {
        return status;
    }

    public String errorCode() {
        return errorCode;
    }
}
