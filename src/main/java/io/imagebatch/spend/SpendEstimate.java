package io.imagebatch.spend;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a batch will still cost, before anything is sent (README.md, Spend; docs/design.md, Spend): per
 * provider/model/resolution, the valid rows, the rows already sent (on a resume), the price of one image and the
 * subtotal of the rows still to send; and the total still to spend, {@code (valid - already sent) x price} summed.
 * A group without a configured price is named ({@code no price for liangxin/nano-banana-pro 4K}) and makes the
 * total incomplete: no price is ever guessed. Pure: no I/O, the same groups and table give the same estimate.
 */
public final class SpendEstimate {

    /**
     * The rows of one provider/model/resolution, as the preflight counted them.
     *
     * @param provider    the provider's name, e.g. {@code liangxin}
     * @param model       the model as the provider spells it, e.g. {@code nano-banana-pro}
     * @param resolution  the resolution as the provider spells it, e.g. {@code 4K}, or null when it has none
     * @param valid       rows that pass validation (would be sent or were sent), at least 0
     * @param alreadySent of those, rows the batch's ledger already holds past the intent (0 on a first run), at
     *                    most {@code valid}
     */
    public record Group(String provider, String model, String resolution, long valid, long alreadySent) {

        /**
         * @throws IllegalArgumentException when a count is negative or more rows are sent than valid
         */
        public Group {
            if (valid < 0 || alreadySent < 0 || alreadySent > valid) {
                throw new IllegalArgumentException("group " + PriceTable.describe(provider, model, resolution)
                        + ": " + alreadySent + " of " + valid + " valid rows sent is not a count");
            }
        }

        /** @return the rows still to send: {@code valid - alreadySent} */
        public long toSend() {
            return valid - alreadySent;
        }

        /** @return how a user names the group: {@code liangxin/nano-banana-pro 4K} ({@link PriceTable#describe}) */
        public String describe() {
            return PriceTable.describe(provider, model, resolution);
        }
    }

    /**
     * One group priced.
     *
     * @param group    the group
     * @param price    the price of one image in the estimate's currency, or null when none is configured
     * @param subtotal {@code group.toSend() x price}, or null when there is no price
     */
    public record Line(Group group, BigDecimal price, BigDecimal subtotal) {
    }

    private final String currency;
    private final List<Line> lines;
    private final BigDecimal total;

    private SpendEstimate(String currency, List<Line> lines, BigDecimal total) {
        this.currency = currency;
        this.lines = lines;
        this.total = total;
    }

    /**
     * Prices the groups.
     *
     * @param prices the price table ({@link PriceTable#price})
     * @param groups the groups, in the order they are to be printed
     * @return the estimate
     */
    public static SpendEstimate of(PriceTable prices, Collection<Group> groups) {
        List<Line> lines = new ArrayList<>();
        BigDecimal total = BigDecimal.ZERO;
        for (Group group : groups) {
            Optional<BigDecimal> price = prices.price(group.provider(), group.model(), group.resolution());
            BigDecimal subtotal = price.map(p -> p.multiply(BigDecimal.valueOf(group.toSend()))).orElse(null);
            if (subtotal != null) {
                total = total.add(subtotal);
            }
            lines.add(new Line(group, price.orElse(null), subtotal));
        }
        return new SpendEstimate(prices.currency(), List.copyOf(lines), total);
    }

    /** @return the currency of every amount, e.g. {@code USD} or {@code credits} ({@link PriceTable#currency}) */
    public String currency() {
        return currency;
    }

    /** @return the groups priced, in the given order */
    public List<Line> lines() {
        return lines;
    }

    /**
     * @return the total still to spend over the groups that have a price; when {@link #complete()} is false the
     *         real total is higher by the unpriced groups' rows
     */
    public BigDecimal total() {
        return total;
    }

    /**
     * @return the whole batch over the groups that have a price: every valid row, sent or not, times its price
     *         (what the manifest and {@code status} show as "estimated")
     */
    public BigDecimal batchTotal() {
        return lines.stream().filter(l -> l.price() != null)
                .map(l -> l.price().multiply(BigDecimal.valueOf(l.group().valid())))
                .reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /** @return whether every group with valid rows has a price, so that {@link #batchTotal()} is complete */
    public boolean batchComplete() {
        return lines.stream().noneMatch(l -> l.price() == null && l.group().valid() > 0);
    }

    /** @return whether every group with rows still to send has a price */
    public boolean complete() {
        return unpriced().isEmpty();
    }

    /**
     * @return the groups without a price that still have rows to send, as users name them
     *         ({@code liangxin/nano-banana-pro 4K})
     */
    public List<String> unpriced() {
        return lines.stream().filter(l -> l.price() == null && l.group().toSend() > 0)
                .map(l -> l.group().describe()).toList();
    }

    /**
     * The estimate as {@code validate} and the preflight of a run print it: one line per group, then the total.
     *
     * @return the lines, without line ends, e.g.
     *         {@code "  liangxin/nano-banana-pro 4K: 12 valid, 2 already sent, price 0.24, subtotal 2.40 USD"},
     *         {@code "  liangxin/nano-banana 2K: 3 valid, 0 already sent, no price for liangxin/nano-banana 2K"},
     *         {@code "  total still to spend: 2.40 USD (incomplete: no price for liangxin/nano-banana 2K)"}
     */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        for (Line line : lines) {
            Group g = line.group();
            String head = "  " + g.describe() + ": " + g.valid() + " valid, " + g.alreadySent() + " already sent, ";
            out.add(line.price() == null ? head + "no price for " + g.describe()
                    : head + "price " + PriceTable.format(line.price()) + ", subtotal "
                            + PriceTable.format(line.subtotal()) + " " + currency);
        }
        List<String> unpriced = unpriced();
        out.add("  total still to spend: " + PriceTable.format(total) + " " + currency
                + (unpriced.isEmpty() ? "" : " (incomplete: no price for " + String.join(", ", unpriced) + ")"));
        return out;
    }

    /**
     * The estimate for machines ({@code validate --format json}).
     *
     * @return {@code {"currency":"USD","total":2.40,"complete":true,"unpriced":[...],"groups":[{"provider":...,
     *         "model":...,"resolution":...,"valid":12,"alreadySent":2,"toSend":10,"price":0.24,"subtotal":2.40}]}};
     *         amounts are exact decimals, and {@code price} and {@code subtotal} are null for an unpriced group
     */
    public ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("currency", currency);
        node.put("total", total);
        node.put("complete", complete());
        ArrayNode unpriced = node.putArray("unpriced");
        unpriced().forEach(unpriced::add);
        ArrayNode groups = node.putArray("groups");
        for (Line line : lines) {
            Group g = line.group();
            ObjectNode group = groups.addObject();
            group.put("provider", g.provider());
            group.put("model", g.model());
            group.put("resolution", g.resolution());
            group.put("valid", g.valid());
            group.put("alreadySent", g.alreadySent());
            group.put("toSend", g.toSend());
            group.put("price", line.price());
            group.put("subtotal", line.subtotal());
        }
        return node;
    }
}
