package io.imagebatch.storage;

import java.util.Objects;

/** Opens the {@link OutputStore} for an {@link OutputLocation} (rules: {@code docs/design.md}, "Output store"). */
public final class OutputStores {

    private OutputStores() {
    }

    /**
     * Opens a store on {@code location}.
     *
     * @param location where to store: an S3 bucket/prefix or a local folder
     * @param settings S3 settings (endpoint, path style, region, part size); ignored for a folder
     * @return a {@link FileOutputStore} or an {@link S3OutputStore} that owns its S3 client; close it when done
     * @throws OutputStoreException when the S3 client cannot be built (for example an invalid region)
     */
    public static OutputStore open(OutputLocation location, StorageProperties settings) {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(settings, "settings");
        return switch (location.kind()) {
            case FILE -> new FileOutputStore(location);
            case S3 -> new S3OutputStore(location, settings);
        };
    }
}
