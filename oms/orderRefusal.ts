import type { Response } from 'express';
import type { Logger } from '../config/logger';
import type { InputIssue } from '../domain/issues';
import { errorBodySchema, type ResponseSpec } from '../http/contract';

/**
 * What an order door (Spryker, Deity) refuses, and how it answers it. Every refusal of an order door's handler
 * is thrown as an OrderRefusal and answered in one place (answerRefusal), logged once; anything else thrown
 * means Settle could not reach the order's payment, which the caller may send again.
 */

/** 400 the input, 404 no such order (or method), 409 the order's money or settings do not allow it. */
export type RefusalStatus = 400 | 404 | 409;

export class OrderRefusal extends Error {
  override readonly name = 'OrderRefusal';
  constructor(
    readonly status: RefusalStatus,
    /** The answer's `error`: for a refused input, the door's own word for it ('invalid message'). */
    message: string,
    /** For a refused input: each field that was wrong, by its path in the call (`body.amount`). */
    readonly issues?: readonly InputIssue[],
  ) {
    super(message);
  }
}

/** What a route that takes a money command on an order refuses beside its input: 404 and 409 (`conflict`). */
export function moneyCommandResponses(conflict: string) {
  return {
    404: { description: 'No payment is known for the order.', body: errorBodySchema },
    409: { description: conflict, body: errorBodySchema },
  } satisfies Record<number, ResponseSpec>;
}

/** How one door's handler answers what it refuses. */
export interface RefusalAnswer {
  readonly logger: Logger;
  /** The warning a refusal is logged under, e.g. 'refused a Spryker command'. */
  readonly refused: string;
  /** Logged with the refusal: whom it refused (tenant, profile, message name); never personal data. */
  readonly fields?: Readonly<Record<string, unknown>>;
  /** The 503's `error` when the order's payment cannot be reached: the caller may send again. */
  readonly unavailable: string;
}

/**
 * Answers what a handler threw: an OrderRefusal as its status with `{ error, issues? }` (the HTTP kit's
 * errorBody and invalidInput, the wire format of both order doors), logged once as a warning; anything else
 * as 503, logged once as an error.
 */
export function answerRefusal(
  res: Response,
  error: unknown,
  { logger, refused, fields, unavailable }: RefusalAnswer,
): void {
  if (!(error instanceof OrderRefusal)) {
    logger.error('could not reach the order payment', { error: (error as Error).message });
    return void res.status(503).json({ error: unavailable });
  }
  const { status, message, issues } = error;
  logger.warn(refused, { ...fields, status, error: message });
  res.status(status).json(issues ? { error: message, issues } : { error: message });
}
