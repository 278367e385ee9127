package io.imagebatch.sandbox;

import java.util.List;

/**
 * The LiangXin market models whose input rules are documented, so the sandbox knows them (docs/providers/liangxin.md:
 * the market lists more models, but their input fields are not in our pages).
 */
enum LiangXinModel {
    /** Default resolution 1K; the only one taking {@code use_google_search_tool} (liangxin-nano-banana-pro-flash-reference.txt). */
    NANO_BANANA_PRO_FLASH("nano-banana-pro-flash", Resolution.ONE_K),
    /** Default resolution 2K (docs/providers/liangxin.md); otherwise the Flash rules are assumed. */
    NANO_BANANA_PRO("nano-banana-pro", Resolution.TWO_K);

    /** The models by wire name (exact), in declaration order for error messages. */
    static final Choices<LiangXinModel> IDS = Choices.of(LiangXinModel::id, List.of(values()));

    private final String id;
    private final Resolution defaultResolution;

    LiangXinModel(String id, Resolution defaultResolution) {
        this.id = id;
        this.defaultResolution = defaultResolution;
    }

    /** @return the wire name, for example {@code nano-banana-pro-flash} */
    String id() {
        return id;
    }

    /** @return the resolution used when the request gives none */
    Resolution defaultResolution() {
        return defaultResolution;
    }

    /**
     * @return true when {@code input.use_google_search_tool} may be passed: only Flash takes it
     * (liangxin-nano-banana-pro-flash-reference.txt)
     */
    boolean googleSearchTool() {
        return this == NANO_BANANA_PRO_FLASH;
    }
}
