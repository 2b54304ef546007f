import { z } from 'zod';

/**
 * The MIB contract the simulator plays, written down from MIB's documentation (docs/front-doors.md) rather
 * than imported from Settle's MIB door: a door that sends a wrong method name or registration is refused
 * here, as MIB would refuse it.
 */

export const PAYMENTS_CONTRACT = 'magento.payments.payments_management';

/** The ten notifications of the payments contract, a success and a failure for each command. */
export const NOTIFICATION_METHODS: ReadonlySet<string> = new Set(
  [
    'notify_validated',
    'notify_validation_failed',
    'notify_revalidated',
    'notify_revalidation_failed',
    'notify_captured',
    'notify_capture_failed',
    'notify_refunded',
    'notify_refund_failed',
    'notify_cancelled',
    'notify_cancellation_failed',
  ].map((name) => `${PAYMENTS_CONTRACT}.${name}`),
);

export const REGISTER_METHOD = 'magento.service_bus.remote.register';

/** The registration message's params: exactly `{id, url, contracts}`. */
export const registrationSchema = z
  .object({
    id: z.string().min(1),
    url: z.url({ protocol: /^https?$/ }),
    contracts: z.array(z.string().min(1)).min(1),
  })
  .strict();

export type Registration = z.infer<typeof registrationSchema>;

/** JSON-RPC 2.0 (https://www.jsonrpc.org/specification): the error codes MIB answers with. */
export const JSON_RPC_ERRORS = {
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
} as const;

export type JsonRpcId = string | number | null;

export const jsonRpcResult = (id: JsonRpcId, result: unknown) => ({ jsonrpc: '2.0', id, result });

export const jsonRpcError = (id: JsonRpcId, code: number, message: string, data?: unknown) => ({
  jsonrpc: '2.0',
  id,
  error: data === undefined ? { code, message } : { code, message, data },
});

/** The id of a request that may be malformed: echoed when it is a valid id, null otherwise. */
export function idOf(request: unknown): JsonRpcId {
  const id = (request as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
