package io.imagebatch.provider;

import java.util.List;
import java.util.Locale;

/**
 * Which provider answers mean "refused for the provider's content policy" (a prompt or image the provider's
 * safety filter will not generate), as opposed to a technical failure. No provider ImageBatch talks to
 * documents a dedicated code for it: LiangXin (docs/providers/liangxin.md) answers a refused create with 400 or
 * 422 ("upstream validation rejected the request") and a failed task with {@code failCode}/{@code failMsg};
 * mingyan (docs/providers/mingyan.md) with {@code error} on a {@code failed} task; HiAPI (docs/providers/hiapi.md)
 * with {@code error_code} at create and {@code error.code}/{@code error.message} on a {@code fail} task; crun.ai
 * (docs/providers/crun.md) with 422 at create and 501 "Generation Failed" for a task. The words that mark a
 * content refusal inside those codes and messages are therefore <b>inferred</b>, listed per provider in
 * docs/providers/content-policy.md, and shared by all four adapters: a code or message containing, ignoring
 * case, one of {@link #MARKERS}.
 *
 * <p>Only answers that already say "this request is refused" (a create answered 400/413/422, a task in its
 * provider's fail state) are read this way; a busy, account or configuration answer never is.
 */
public final class ContentRefusals {

    /** The reason category recorded for such a row (README, "Content refusals"). */
    public static final String CATEGORY = "content_policy";

    /**
     * Words (lower case) that mark a content refusal in a provider's error code or message: inferred from the
     * codes such APIs use ({@code CONTENT_POLICY_VIOLATION}, {@code content_policy}, "sensitive content",
     * "flagged by the safety system", "NSFW", "moderation", and the Chinese 敏感 "sensitive", 违规 "violation",
     * 违禁 "prohibited" of providers that answer in Chinese); docs/providers/content-policy.md. "case-sensitive"
     * and "case sensitive" are not read as "sensitive".
     */
    public static final List<String> MARKERS = List.of("content_policy", "content policy", "content-policy",
            "contentpolicy", "policy violation", "safety", "sensitive", "nsfw", "moderation", "prohibited",
            "flagged", "\u654f\u611f", "\u8fdd\u89c4", "\u8fdd\u7981");

    private ContentRefusals() {
    }

    /**
     * @param code    the provider's error or fail code as sent (HiAPI {@code error_code}, LiangXin {@code failCode},
     *                ...), or null
     * @param message the provider's message as sent, or null
     * @return true when either holds one of {@link #MARKERS}, ignoring case
     */
    public static boolean isRefusal(String code, String message) {
        return holdsMarker(code) || holdsMarker(message);
    }

    private static boolean holdsMarker(String text) {
        if (text == null || text.isBlank()) {
            return false;
        }
        String lower = text.toLowerCase(Locale.ROOT).replace("case-sensitive", "").replace("case sensitive", "");
        for (String marker : MARKERS) {
            if (lower.contains(marker)) {
                return true;
            }
        }
        return false;
    }
}
