package dev.noexcuses.enricher.registry;

/** The registry could not be read (I/O error, HTTP registry down): worth retrying later. */
public final class RegistryUnavailableException extends RuntimeException {
    public RegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
