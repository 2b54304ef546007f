import { z } from 'zod';

/** JSON-RPC 2.0 (https://www.jsonrpc.org/specification): the envelope and its error codes. */

export const JSON_RPC_ERRORS = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internalError: -32603,
  /** Implementation-defined (-32000 to -32099): the caller did not prove it holds the intake secret. */
  unauthorized: -32001,
} as const;

export const jsonRpcIdSchema = z.union([z.string(), z.number(), z.null()]);
export type JsonRpcId = z.infer<typeof jsonRpcIdSchema>;

export const jsonRpcRequestSchema = z.object({
  jsonrpc: z.literal('2.0'),
  method: z.string().min(1),
  params: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  id: jsonRpcIdSchema.optional(),
});

export type JsonRpcRequest = z.infer<typeof jsonRpcRequestSchema>;

export const jsonRpcErrorObjectSchema = z.object({
  code: z.number().int(),
  message: z.string(),
  data: z.unknown().optional(),
});
export type JsonRpcErrorObject = z.infer<typeof jsonRpcErrorObjectSchema>;

/** The schema of a response carrying `result`; the types below are what the helpers build. */
export function jsonRpcResultResponseSchema<Result extends z.ZodType>(result: Result) {
  return z.object({ jsonrpc: z.literal('2.0'), id: jsonRpcIdSchema, result });
}

/** The schema of an error response, its code one of `codes` (all codes when none are given). */
export function jsonRpcErrorResponseSchema(...codes: number[]) {
  const error =
    codes.length > 0 ? jsonRpcErrorObjectSchema.extend({ code: z.literal(codes) }) : jsonRpcErrorObjectSchema;
  return z.object({ jsonrpc: z.literal('2.0'), id: jsonRpcIdSchema, error });
}

export type JsonRpcResponse =
  | { jsonrpc: '2.0'; id: JsonRpcId; result: unknown }
  | { jsonrpc: '2.0'; id: JsonRpcId; error: JsonRpcErrorObject };

export function jsonRpcResult(id: JsonRpcId, result: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, result };
}

export function jsonRpcError(id: JsonRpcId, code: number, message: string, data?: unknown): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}

/** The id of a request that may be malformed: echoed when it is a valid id, null otherwise. */
export function idOf(request: unknown): JsonRpcId {
  const id = (request as { id?: unknown } | null)?.id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
