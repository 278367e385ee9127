package io.imagebatch.sandbox;

/**
 * Output resolution class. LiangXin accepts {@code 1K 2K 4K low medium high}
 * (liangxin-nano-banana-pro-flash-reference.txt, {@code input.resolution}); the sandbox maps low, medium and
 * high to 1K, 2K and 4K, as the documentation does not give them sizes of their own.
 */
enum Resolution {
    /** 1K; also {@code low}. */
    ONE_K(1),
    /** 2K: both sides doubled; also {@code medium}. */
    TWO_K(2),
    /** 4K: both sides four times; also {@code high}. */
    FOUR_K(4);

    private final int scale;

    Resolution(int scale) {
        this.scale = scale;
    }

    /** @return how many times the 1K size each side is */
    int scale() {
        return scale;
    }
}
