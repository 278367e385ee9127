package io.imagebatch.app;

import io.imagebatch.app.BatchRunner.BudgetText;
import io.imagebatch.job.BatchPreflight;
import io.imagebatch.job.BatchSettings;
import io.imagebatch.job.BatchStoppedException;
import io.imagebatch.ledger.BatchRegistry;
import io.imagebatch.ledger.BatchSpend;
import io.imagebatch.ledger.LedgerRetries;
import io.imagebatch.ledger.RowState;
import io.imagebatch.ledger.TaskLedger;
import io.imagebatch.provider.FailureClass;
import io.imagebatch.provider.ProviderAdapter;
import io.imagebatch.provider.ProviderException;
import io.imagebatch.provider.ProviderRegistry;
import io.imagebatch.spend.Budget;
import io.imagebatch.spend.PriceTable;
import io.imagebatch.spend.SpendEstimate;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The spend side of running and validating a batch (README.md, Spend; docs/design.md, Spend), for
 * {@link BatchRunner}: the budget as given, checked against the currency; the price every row of a batch with a
 * budget needs; the estimate printed and recorded before anything is sent, with the provider's balance before and
 * its credits; {@code validate}'s budget report; and, at the end of a run, the spend line, the HELD rows and the
 * budget round that sends them.
 */
@Component
public class BatchSpendCheck {

    private final BatchRegistry registry;
    private final TaskLedger ledger;
    private final ProviderRegistry providers;
    private final BatchPreflight preflight;
    /** The prices of the estimate and the batch budget (README.md, Spend); none until {@link #spendWith}. */
    private PriceTable prices = PriceTable.none();
    /** Starts the budget rounds that send HELD rows; set by {@link #spendWith}. */
    private LedgerRetries retries;

    BatchSpendCheck(BatchRegistry registry, TaskLedger ledger, ProviderRegistry providers, BatchPreflight preflight) {
        this.registry = registry;
        this.ledger = ledger;
        this.providers = providers;
        this.preflight = preflight;
    }

    /**
     * Sets what the batch budget needs; set by Spring.
     *
     * @param prices  the price table: a budget's currency, and every row's price
     * @param retries the ledger's rounds, for the budget round that sends HELD rows
     */
    @Autowired
    void spendWith(PriceTable prices, LedgerRetries retries) {
        this.prices = prices;
        this.retries = retries;
    }

    /**
     * @return the budget as an amount, or null when none is given
     * @throws UsageException when it is not a positive amount in {@code imagebatch.spend.currency}
     */
    BigDecimal parse(BudgetText budget) {
        try {
            return budget == null ? null : Budget.parse(budget.setting(), budget.text(), prices.currency());
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * Before a run under the batch's lock: a batch with a budget (given now, or stored) must have a price for
     * every row, and a budget given now is stored with the batch ({@link BatchRegistry#recordBudget}).
     *
     * @param budget the budget given now, or null to keep the stored one
     * @throws UsageException as {@link #checkPriced}
     */
    void applyBudget(BatchSettings settings, String batchId, BigDecimal budget) {
        if (budget != null || registry.spend(batchId).map(BatchSpend::budget).isPresent()) {
            checkPriced(settings);
        }
        if (budget != null) {
            registry.recordBudget(batchId, budget);
        }
    }

    /**
     * A batch with a budget sends only rows whose price is known (docs/design.md, Spend).
     *
     * @throws UsageException naming the provider/model/resolution groups without a price
     */
    private void checkPriced(BatchSettings settings) {
        checkPriced(dryRunPrices(settings, null).unpriced());
    }

    private static void checkPriced(Map<String, Long> unpriced) {
        if (!unpriced.isEmpty()) {
            throw new UsageException("a budget needs the price of every row, and none is configured for "
                    + String.join(", ", unpriced.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue()
                    + " rows)").toList()) + "; set imagebatch.providers.<name>.price-per-image or"
                    + " .prices.<model>.<resolution>; nothing was sent");
        }
    }

    private BatchPreflight.Prices dryRunPrices(BatchSettings settings, BigDecimal room) {
        try {
            return preflight.prices(settings, prices, room);
        } catch (BatchStoppedException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * {@code validate --budget AMOUNT}: how many of the rows not yet sent the budget would send, for how much, and
     * how many it would hold (docs/design.md, Spend); printed as one line, or returned as JSON.
     *
     * @param amount the budget
     * @param json   true to return {@code {"amount":..,"committed":..,"wouldSend":n,"wouldSendCost":..,
     *               "wouldHold":n}} and print nothing, false to print the line and return null
     * @throws UsageException when rows have no configured price (naming the provider/model/resolution groups)
     */
    ObjectNode budgetReport(BatchSettings settings, BigDecimal amount, PrintStream out, boolean json) {
        BigDecimal committed = registry.spend(settings.batchId()).map(BatchSpend::committed).orElse(BigDecimal.ZERO);
        // one pass over the catalogue: the rows without a price come with the budget's figures
        BatchPreflight.Prices priced = dryRunPrices(settings, amount.subtract(committed));
        checkPriced(priced.unpriced());
        if (json) {
            ObjectNode budgetJson = JsonNodeFactory.instance.objectNode();
            budgetJson.put("amount", amount).put("committed", committed).put("wouldSend", priced.fit())
                    .put("wouldSendCost", priced.fitCost()).put("wouldHold", priced.held());
            return budgetJson;
        }
        out.printf("Budget %s %s (%s committed): %d row(s) would be sent for %s, %d would be HELD%n",
                PriceTable.format(amount), prices.currency(), PriceTable.format(committed), priced.fit(),
                PriceTable.format(priced.fitCost()), priced.held());
        return null;
    }

    /** @return the spend estimate of a preflight's rows (README.md, Spend) */
    SpendEstimate estimate(BatchPreflight.Result result) {
        return SpendEstimate.of(prices, result.spendGroups());
    }

    /**
     * What can be known before paying: the spend estimate is printed and recorded, the provider's balance before
     * the first create is recorded, and a provider that reports its balance (crun.ai) has the credits for the
     * valid rows not yet sent.
     *
     * @param result the preflight of the batch, every provider required to be configured
     * @throws UsageException when a provider has fewer credits left than the rows need, or refuses the balance
     *                        query (an account failure)
     */
    void checkBeforeSending(BatchSettings settings, BatchPreflight.Result result, PrintStream out) {
        printEstimate(settings.batchId(), result, out);
        recordBalanceBefore(settings);
        result.creditsByProvider().forEach((provider, needed) -> {
            ProviderAdapter adapter = providers.find(provider).orElseThrow();
            try {
                OptionalDouble balance = adapter.balance();
                if (balance.isPresent() && balance.getAsDouble() < needed) {
                    throw new UsageException(String.format(Locale.ROOT, "provider %s has %.1f credits left, and the"
                            + " valid rows not yet sent need %.1f; top up the account, or send fewer rows", provider,
                            balance.getAsDouble(), needed));
                }
            } catch (ProviderException e) {
                if (e.failureClass() == FailureClass.ACCOUNT) {
                    throw new UsageException("provider " + provider + " refused the balance query: " + e.getMessage());
                }
                out.printf("Warning: the %s balance could not be checked (%s); going on.%n", provider, e.getMessage());
            }
        });
    }

    /**
     * The preflight's spend estimate (README.md, Spend): printed before anything is sent, and stored with the
     * batch for the manifest and {@code status} ({@link BatchRegistry#recordEstimate}).
     */
    private void printEstimate(String batchId, BatchPreflight.Result result, PrintStream out) {
        SpendEstimate estimate = estimate(result);
        out.printf("Estimate for batch %s (%s):%n", batchId, estimate.currency());
        estimate.describe().forEach(out::println);
        registry.recordEstimate(batchId, new BatchRegistry.Estimate(estimate.batchTotal(), estimate.currency(),
                estimate.batchComplete()));
    }

    /**
     * The provider's balance before the batch's first create, for the observed spend (README.md, Spend): asked
     * only while the ledger holds no row of the batch, recorded once. Best effort: a provider without a balance,
     * or one that does not answer, leaves the observed spend unknown.
     */
    private void recordBalanceBefore(BatchSettings settings) {
        String batchId = settings.batchId();
        if (registry.balanceBefore(batchId).isPresent() || !ledger.report().countByState(batchId).isEmpty()) {
            return;
        }
        try {
            OptionalDouble balance = providers.find(settings.provider()).orElseThrow().balance();
            if (balance.isPresent()) {
                registry.recordBalanceBefore(batchId, BigDecimal.valueOf(balance.getAsDouble()));
            }
        } catch (ProviderException e) {
            // the observed spend stays unknown; the credits check above has said what matters
        }
    }

    /** @return whether the batch has HELD rows and its budget leaves room (or it has none any more) */
    boolean heldRoomFor(String batchId) {
        if (retries == null || ledger.report().countByState(batchId).getOrDefault(RowState.HELD, 0L) == 0) {
            return false;
        }
        BatchSpend spend = registry.spend(batchId).orElseThrow();
        return spend.remaining().map(r -> r.signum() > 0).orElse(true);
    }

    /**
     * A budget round: the HELD rows become PENDING in a new job instance, whose submit step sends them
     * ({@link LedgerRetries#startHeldRound}). Called only when {@link #heldRoomFor} is true.
     *
     * @return the number of HELD rows the round sends
     */
    int startHeldRound(String batchId) {
        return retries.startHeldRound(batchId);
    }

    /**
     * Prints the batch's spend, and the HELD rows with what to do about them.
     *
     * @param completed the exit code of a completed batch without HELD rows
     * @return {@link ExitCodes#HELD} when the batch has HELD rows, else {@code completed}
     */
    int heldExit(String batchId, PrintStream out, int completed) {
        registry.spend(batchId).map(spend -> spendLine(spend, prices.currency())).ifPresent(out::println);
        long held = ledger.report().countByState(batchId).getOrDefault(RowState.HELD, 0L);
        if (held == 0) {
            return completed;
        }
        out.printf("  held: %d row(s) HELD, the budget is spent; run the same command with a larger --budget to"
                + " send them (and nothing else)%n", held);
        return ExitCodes.HELD;
    }

    /**
     * The spend line of a run's summary and of {@code status} (docs/design.md, Spend).
     *
     * @param spend    the batch's spend
     * @param currency {@code imagebatch.spend.currency}
     * @return {@code   spend: 0.48 USD committed of a budget of 0.50, 0.00 refunded}; null when the batch has no
     *         budget and nothing committed or refunded (no prices configured)
     */
    public static String spendLine(BatchSpend spend, String currency) {
        if (spend.budget() == null && spend.committed().signum() == 0 && spend.refunded().signum() == 0) {
            return null;
        }
        return "  spend: " + PriceTable.format(spend.committed()) + " " + currency + " committed"
                + (spend.budget() == null ? "" : " of a budget of " + PriceTable.format(spend.budget())) + ", "
                + PriceTable.format(spend.refunded()) + " refunded";
    }
}
