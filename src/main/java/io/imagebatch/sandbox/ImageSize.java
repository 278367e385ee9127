package io.imagebatch.sandbox;

/**
 * The pixel size of a generated image.
 *
 * @param width  pixels, positive
 * @param height pixels, positive
 */
record ImageSize(int width, int height) {

    ImageSize {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + width + "x" + height);
        }
    }

    /**
     * The Gemini size for a ratio and a resolution: the 1K size of {@code ratio} times the resolution's scale.
     *
     * @param ratio      the aspect ratio
     * @param resolution the resolution class
     * @return for example 1376x768 for 16:9 at 1K, 2048x2048 for 1:1 at 2K
     */
    static ImageSize of(AspectRatio ratio, Resolution resolution) {
        return new ImageSize(ratio.width1k() * resolution.scale(), ratio.height1k() * resolution.scale());
    }

    @Override
    public String toString() {
        return width + "x" + height;
    }
}
