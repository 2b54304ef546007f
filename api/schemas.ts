import { z } from 'zod';
import { PAYMENT_COMMANDS } from '../domain/commands';
import { mibMethod } from '../oms/mib/methods';
import { jsonRpcRequestSchema, jsonRpcResultResponseSchema } from '../oms/mib/jsonRpc';
import { commandParamsSchema } from '../oms/mib/payment';

/**
 * The bodies of Settle's HTTP API that no other module defines a schema for, built from the MIB schemas
 * the intake validates with, so that the OpenAPI document (api/openapi.ts) describes what the code checks.
 */

/** A payment command as MIB sends it to `POST /mib`: the JSON-RPC envelope, one of the five methods, params.payment. */
export const paymentCommandRequestSchema = jsonRpcRequestSchema.extend({
  method: z.literal(PAYMENT_COMMANDS.map((command) => mibMethod(command))),
  params: commandParamsSchema,
});

/** What `POST /mib` answers a command it accepted (or had already accepted). */
export const commandAcceptedSchema = z.object({
  accepted: z.literal(true),
  /** `payment:<reference>:<command>:<fingerprint>`, the Temporal workflow that carries the command out. */
  workflow_id: z.string(),
});

export const commandAcceptedResponseSchema = jsonRpcResultResponseSchema(commandAcceptedSchema);

/** What `POST /webhooks/{provider}` answers an authentic webhook: whether it reached a payment workflow. */
export const webhookAnswerSchema = z.object({ received: z.literal(true), delivered: z.boolean() });

/** Every non-JSON-RPC error answer of the API. */
export const errorBodySchema = z.object({ error: z.string() });

export const healthSchema = z.object({ status: z.literal('ok') });
export type Health = z.infer<typeof healthSchema>;
