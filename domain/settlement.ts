import type { PaymentCommand } from './commands';
import { DurationError, formatDuration, parseDuration } from './duration';

/**
 * How long Settle waits for a command's outcome and how it asks for it. Decided when the command arrives
 * (from configuration and the provider's abilities) and carried in the workflow's input, so that a running
 * payment keeps the policy it started with.
 */
export interface SettlementPolicy {
  /**
   * Pauses between status requests while the outcome is pending or unknown, in ms; the last one repeats.
   * A webhook-only provider is asked again only about an unknown outcome (by resending the command).
   */
  readonly pollScheduleMs: readonly number[];
  /** Whether the provider has a status API (PaymentProvider.fetchStatus). */
  readonly statusApi: boolean;
  /** Past this long after the command arrived without an outcome, the payment is `stuck`. */
  readonly deadlineMs: number;
  /**
   * Past this long without the OMS accepting the outcome report (it keeps being retried), the payment is
   * `stuck`; absent: no report deadline.
   */
  readonly reportDeadlineMs?: number;
  /** A waiting payment continues as new past this many history events (default 2,000). */
  readonly historyEventsBeforeContinue?: number;
}

const DAY = parseDuration('1d');
/** Settlement deadlines unless configured otherwise: card captures settle within days. */
/** The settlement policy of each command at a provider with or without a status API (config/ builds it). */
export type SettlementPolicies = (command: PaymentCommand, providerHasStatusApi: boolean) => SettlementPolicy;

/**
 * The settlement policy of `command` at `provider`, as every door computes it when it admits a command: the
 * provider's status API decides whether the outcome may be asked for.
 */
export function settlementAt(
  policies: SettlementPolicies,
  providers: { get(name: string): { readonly fetchStatus?: unknown } | undefined },
  command: PaymentCommand,
  provider: string,
): SettlementPolicy {
  return policies(command, providers.get(provider)?.fetchStatus !== undefined);
}

export const DEFAULT_DEADLINES: Readonly<Record<PaymentCommand, number>> = {
  // A customer takes minutes on a payment page or a 3-D Secure challenge; a page expires long before.
  authorize: DAY,
  validate: DAY,
  revalidate: DAY,
  capture: 7 * DAY,
  refund: 14 * DAY,
  cancel: 2 * DAY,
};

/** Deadlines as parseDeadlines reads them: `validate=1d,…,cancel=2d`. */
export function formatDeadlines(deadlines: Readonly<Record<PaymentCommand, number>>): string {
  return Object.entries(deadlines)
    .map(([command, ms]) => `${command}=${formatDuration(ms)}`)
    .join(',');
}

/** `1m,5m,15m,1h,6h` → [60000, 300000, …]. */
export function parseSchedule(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => part === '')) {
    throw new DurationError(`"${text}" is not a comma-separated list of durations`);
  }
  return parts.map(parseDuration);
}

/** `capture=7d,refund=14d` → deadlines per command, over the defaults; every command has one. */
export function parseDeadlines(
  text: string,
  defaults: Readonly<Record<PaymentCommand, number>> = DEFAULT_DEADLINES,
): Record<PaymentCommand, number> {
  const deadlines = { ...defaults };
  for (const part of text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)) {
    const [command, duration, ...rest] = part.split('=');
    if (rest.length > 0 || duration === undefined || !(command! in defaults)) {
      throw new DurationError(
        `"${part}" is not <command>=<duration> with one of ${Object.keys(defaults).join(', ')}`,
      );
    }
    deadlines[command as PaymentCommand] = parseDuration(duration);
  }
  return deadlines;
}

/** The pause before status request number `index` (0-based): the schedule's last pause repeats. */
export function pollDelayMs(policy: SettlementPolicy, index: number): number | undefined {
  const schedule = policy.pollScheduleMs;
  if (schedule.length === 0) return undefined;
  return schedule[Math.min(index, schedule.length - 1)];
}
