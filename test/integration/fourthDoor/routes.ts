import { z } from 'zod';
import { fingerprint } from '../../../domain/fingerprint';
import { settlementAt } from '../../../domain/settlement';
import { paymentWorkflowId } from '../../../domain/workflowId';
import { KB, errorBodySchema, invalidInputSchema, route, type RouteSet } from '../../../http/contract';
import type { CoreServices } from '../../../oms/door';
import { startPaymentCommand } from '../../../oms/startCommand';

export const MEMO_DOOR = 'memo';

/** What the memo door keeps of a command to answer it. */
export interface MemoReplyContext {
  readonly ticket: string;
}

export interface MemoDependencies {
  readonly memoToken: string;
}

const commandSchema = z.object({
  ticket: z.string().min(1),
  reference: z.string().min(1),
  authorization: z.string().min(1),
  amountMinor: z.number().int().positive(),
  currency: z.string().length(3),
});
const acceptedSchema = z.object({ workflowId: z.string(), started: z.string() });

/** `POST /memo/commands`: a capture as JSON, behind the door's own token. */
export function memoRoutes(deps: CoreServices & MemoDependencies): RouteSet {
  return {
    routes: [
      route({
        method: 'post',
        path: '/memo/commands',
        operationId: 'memoCommand',
        summary: 'A capture through the memo door',
        guard: (req, res, next) => {
          if (req.headers.authorization === `Bearer ${deps.memoToken}`) return next();
          res.status(401).json({ error: 'the memo token is missing or wrong' });
        },
        request: {
          body: { schema: commandSchema, contentType: 'application/json', read: 'json', limit: KB },
        },
        validate: 'contract',
        responses: {
          202: { description: 'Started, or started before.', body: acceptedSchema },
          400: { description: 'Not a capture the door takes.', body: invalidInputSchema },
          401: { description: 'No memo token.', body: errorBodySchema },
        },
        handle: async (_req, res, { body }) => {
          const { ticket, reference, authorization, amountMinor, currency } = body;
          const amount = { minor: amountMinor, currency };
          const identity = {
            command: 'capture' as const,
            reference,
            transactionId: authorization,
            amount,
            provider: 'gateway',
          };
          const workflowId = paymentWorkflowId({
            reference,
            command: 'capture',
            fingerprint: fingerprint(identity),
          });
          const started = await startPaymentCommand(
            deps,
            {
              command: 'capture',
              reference,
              provider: 'gateway',
              transactionId: authorization,
              amountMinor,
              currency,
              settlement: settlementAt(deps.settlement, deps.providers, 'capture', 'gateway'),
              reply: { door: MEMO_DOOR, context: { ticket } satisfies MemoReplyContext },
            },
            { workflowId, orderId: reference },
          );
          res.status(202).json({ workflowId, started });
        },
      }),
    ],
  };
}
