package io.parcel.billing;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Clock;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Storage quotas and the monthly storage bill.
 *
 * <p>Each plan includes an amount of storage. Before an upload is accepted we
 * check that the tenant's current usage plus the new file fits the plan (with
 * a 10% grace band on paid plans, so a customer is never cut off in the middle
 * of a batch). At the end of the month, storage is billed in GB-months: the
 * average of the daily usage snapshots, minus what the plan includes, times
 * the overage price.
 */
public final class QuotaService {

    public enum Plan {
        FREE(gib(5), BigDecimal.ZERO, false),
        PRO(gib(500), new BigDecimal("0.020"), true),
        BUSINESS(gib(5_000), new BigDecimal("0.015"), true);

        final long includedBytes;
        final BigDecimal overagePerGbMonth;
        final boolean overageAllowed;

        Plan(long includedBytes, BigDecimal overagePerGbMonth, boolean overageAllowed) {
            this.includedBytes = includedBytes;
            this.overagePerGbMonth = overagePerGbMonth;
            this.overageAllowed = overageAllowed;
        }
    }

    /** What the API answers before an upload: allowed or not, and why. */
    public record QuotaDecision(boolean allowed, long usedBytes, long limitBytes, String reason) {}

    /** One line of the monthly invoice. */
    public record StorageCharge(YearMonth month, BigDecimal averageGb, BigDecimal billableGb, BigDecimal amountUsd) {}

    /** Read side of the usage tables, implemented over PostgreSQL in production. */
    public interface UsageRepository {
        long currentBytes(String tenantId);
        Plan planOf(String tenantId);
        /** Bytes stored at the end of each day of the month; missing days are absent. */
        Map<LocalDate, Long> dailySnapshots(String tenantId, YearMonth month);
    }

    private static final BigDecimal BYTES_PER_GB = BigDecimal.valueOf(1L << 30);
    private static final double GRACE = 0.10;

    private final UsageRepository usage;
    private final Clock clock;

    public QuotaService(UsageRepository usage, Clock clock) {
        this.usage = Objects.requireNonNull(usage);
        this.clock = Objects.requireNonNull(clock);
    }

    private static long gib(long n) {
        return n << 30;
    }

    /** Hard limit in bytes: the included amount, plus the grace band on plans that allow overage. */
    static long hardLimit(Plan plan) {
        return plan.overageAllowed ? (long) (plan.includedBytes * (1 + GRACE)) : plan.includedBytes;
    }

    /** May this tenant store another {@code incomingBytes}? Called by parceld when an upload is created. */
    public QuotaDecision checkUpload(String tenantId, long incomingBytes) {
        if (incomingBytes < 0) {
            throw new IllegalArgumentException("negative size");
        }
        Plan plan = usage.planOf(tenantId);
        long used = usage.currentBytes(tenantId);
        long limit = hardLimit(plan);
        if (used + incomingBytes <= limit) {
            return new QuotaDecision(true, used, limit, "ok");
        }
        String reason = plan == Plan.FREE
                ? "the free plan includes 5 GiB; upgrade to store more"
                : "storage is above the plan's limit including the 10% grace band";
        return new QuotaDecision(false, used, limit, reason);
    }

    /**
     * Average GB stored over the month. Days without a snapshot (the collector
     * was down) carry the previous day's value forward; days before the tenant
     * existed count as zero.
     */
    static BigDecimal averageGb(Map<LocalDate, Long> snapshots, YearMonth month) {
        long carried = 0;
        BigDecimal total = BigDecimal.ZERO;
        for (int day = 1; day <= month.lengthOfMonth(); day++) {
            Long value = snapshots.get(month.atDay(day));
            if (value != null) {
                carried = value;
            }
            total = total.add(BigDecimal.valueOf(carried));
        }
        return total.divide(BigDecimal.valueOf(month.lengthOfMonth()), 10, RoundingMode.HALF_UP)
                .divide(BYTES_PER_GB, 6, RoundingMode.HALF_UP);
    }

    /** The storage charge for a finished month, rounded to the cent (half-even, as finance asked). */
    public StorageCharge monthlyStorageCharge(String tenantId, YearMonth month) {
        if (!month.isBefore(YearMonth.now(clock))) {
            throw new IllegalStateException(month + " has not ended yet");
        }
        Plan plan = usage.planOf(tenantId);
        BigDecimal average = averageGb(usage.dailySnapshots(tenantId, month), month);
        BigDecimal included = BigDecimal.valueOf(plan.includedBytes).divide(BYTES_PER_GB, 6, RoundingMode.HALF_UP);
        BigDecimal billable = average.subtract(included).max(BigDecimal.ZERO);
        BigDecimal amount = billable.multiply(plan.overagePerGbMonth).setScale(2, RoundingMode.HALF_EVEN);
        return new StorageCharge(month, average, billable, amount);
    }

    /** Charges for every tenant, for the invoicing job that runs on the 1st of each month. */
    public List<StorageCharge> chargesFor(List<String> tenantIds, YearMonth month) {
        return tenantIds.stream().map(id -> monthlyStorageCharge(id, month)).toList();
    }

    /** Percentage of the included storage in use, for the dashboard's usage meter. */
    public Optional<Integer> usagePercent(String tenantId) {
        Plan plan = usage.planOf(tenantId);
        if (plan.includedBytes == 0) {
            return Optional.empty();
        }
        long used = usage.currentBytes(tenantId);
        return Optional.of((int) Math.min(999, used * 100 / plan.includedBytes));
    }
}
