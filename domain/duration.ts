/**
 * Durations as Settle's settings and command line write them: a whole number and a unit, `90s`, `5m`, `6h`,
 * `14d`. The one grammar for every duration (poll schedule, deadlines, the registration interval).
 */

const UNITS_MS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Said wherever a duration is asked for. */
export const DURATION_EXAMPLES = '90s, 5m, 6h or 14d';

export class DurationError extends Error {
  override readonly name = 'DurationError';
}

/** `90s`, `5m`, `6h`, `14d` → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^([1-9][0-9]*)(s|m|h|d)$/.exec(text.trim());
  if (!match) throw new DurationError(`"${text}" is not a duration such as ${DURATION_EXAMPLES}`);
  return Number(match[1]) * UNITS_MS[match[2]!]!;
}

/** Whether the text is a duration. */
export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch (error) {
    if (error instanceof DurationError) return false;
    throw error;
  }
}

/** Milliseconds → the largest unit that writes them whole: 604800000 → `7d`. */
export function formatDuration(ms: number): string {
  const [unit, size] = Object.entries(UNITS_MS)
    .reverse()
    .find(([, size]) => ms % size === 0)!;
  return `${ms / size}${unit}`;
}
