package io.imagebatch.provider;

import io.imagebatch.OutsideText;

/**
 * A catalogue row that breaks one of the provider's documented input rules; it is never sent.
 * The message names the row number, the column and the rule, for example
 * {@code row 12, column prompt: 1 character; LiangXin nano-banana-pro-flash takes 2 to 3000 characters}; its
 * control characters escaped ({@link OutsideText#escape(String)}).
 */
public class RowRejectedException extends Exception {

    private final String column;

    /**
     * @param rowNumber 1-based data row number
     * @param column    the catalogue field at fault ({@code prompt}, {@code aspect_ratio}, ...)
     * @param rule      what is wrong and what the provider accepts
     */
    public RowRejectedException(long rowNumber, String column, String rule) {
        // the rule quotes the row's values: their control characters are escaped (OutsideText), so a reason can
        // neither forge a line nor drive a terminal where it is printed, logged or stored
        super(OutsideText.escape("row " + rowNumber + ", column " + column + ": " + rule));
        this.column = column;
    }

    /** @return the catalogue field at fault */
    public String column() {
        return column;
    }
}
