/**
 * What a provider's answer means for a payment command.
 * - settled: the command reached its goal (funds moved, hold released).
 * - declined: a business failure; final, reported as `*_failed`.
 * - pending: the provider accepted and will tell later (webhook or status API).
 */
export type Outcome = 'settled' | 'declined' | 'pending';

/** An outcome that ends the command. */
export type FinalOutcome = Exclude<Outcome, 'pending'>;

/** The life of a payment command, as shown in the `SettlePhase` search attribute. */
export type Phase = 'executing' | 'awaiting_settlement' | 'notifying' | 'done';
