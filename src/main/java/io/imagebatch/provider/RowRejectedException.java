package io.imagebatch.provider;

/**
 * A catalogue row that breaks one of the provider's documented input rules; it is never sent.
 * The message names the row number, the column and the rule, for example
 * {@code row 12, column prompt: 1 character; LiangXin nano-banana-pro-flash takes 2 to 3000 characters}.
 */
public class RowRejectedException extends Exception {

    private final String column;

    /**
     * @param rowNumber 1-based data row number
     * @param column    the catalogue field at fault ({@code prompt}, {@code aspect_ratio}, ...)
     * @param rule      what is wrong and what the provider accepts
     */
    public RowRejectedException(long rowNumber, String column, String rule) {
        super("row " + rowNumber + ", column " + column + ": " + rule);
        this.column = column;
    }

    /** @return the catalogue field at fault */
    public String column() {
        return column;
    }
}
