package io.imagebatch.spend;

/**
 * A price setting or the currency that cannot be used (README.md, Spend): a price or daily budget that is not a
 * decimal or is negative, a currency that is neither a three-letter code nor {@code credits}. Thrown as the
 * {@link PriceTable} bean is created, so before anything is sent; the command line reports its message, which
 * names the setting and the value, as its one line and exits with code 2 (README.md, Exit codes).
 */
public class PriceSettingsException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    /**
     * @param cause {@link PriceTable#from}'s refusal; its message, naming the setting and the value, is this one's
     */
    public PriceSettingsException(IllegalArgumentException cause) {
        super(cause.getMessage(), cause);
    }
}
