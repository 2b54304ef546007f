import type { Request, Response } from 'express';
import { z } from 'zod';
import type { SprykerDependencies } from './door';
import { mailboxId } from './door';
import { answerRefusal } from '../orderRefusal';
import { sprykerRefusals } from './intake';
import { acknowledgeMessages, waitingMessages } from './mailbox';
import type { FetchedChannel } from './appEvents';
import type { SprykerGate } from './gate';

export const fetchQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const acknowledgeBodySchema = z.object({
  messageIds: z.array(z.string().min(1).max(200)).min(1).max(1000),
});

/** `GET <bus>/<channel>?limit=N`: the oldest messages waiting for the tenant named by Consumer-Id. */
export async function fetchMessages(
  deps: SprykerDependencies,
  gate: SprykerGate,
  channel: FetchedChannel,
  req: Request,
  res: Response,
  limit: number,
): Promise<void> {
  const tenant = gate.tenant(req, res, consumerOf(req));
  if (!tenant) return;
  try {
    res.json(await waitingMessages(deps.temporal, mailboxId(tenant, channel), limit));
  } catch (error) {
    answerRefusal(res, error, sprykerRefusals(deps, 'refused a Spryker bus call', { tenant }));
  }
}

/** `DELETE <bus>/<channel>`: acknowledges messages; acknowledged, a message is never handed out again. */
export async function acknowledge(
  deps: SprykerDependencies,
  gate: SprykerGate,
  channel: FetchedChannel,
  req: Request,
  res: Response,
  messageIds: readonly string[],
): Promise<void> {
  const tenant = gate.tenant(req, res, consumerOf(req));
  if (!tenant) return;
  try {
    const acknowledged = await acknowledgeMessages(deps.temporal, mailboxId(tenant, channel), messageIds);
    res.json({ acknowledged });
  } catch (error) {
    answerRefusal(res, error, sprykerRefusals(deps, 'refused a Spryker bus call', { tenant }));
  }
}

/** Spryker names the tenant that fetches in Consumer-Id (its CONSUMER_ID setting). */
function consumerOf(req: Request): string | undefined {
  const consumer = req.headers['consumer-id'];
  return typeof consumer === 'string' && consumer.trim() ? consumer.trim() : undefined;
}
