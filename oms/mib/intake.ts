import type { Request, Response } from 'express';
import { commandOfMethod } from './methods';
import { fingerprint } from '../../domain/fingerprint';
import { settlementAt } from '../../domain/settlement';
import { paymentWorkflowId, type PaymentCommandIdentity } from '../../domain/workflowId';
import type { Logger } from '../../config/logger';
import {
  JSON_RPC_ERRORS,
  idOf,
  jsonRpcError,
  jsonRpcRequestSchema,
  jsonRpcResult,
  type JsonRpcId,
  type JsonRpcResponse,
} from './jsonRpc';
import { issuesOf } from '../../domain/issues';
import type { PaymentCommandInput } from '../../domain/paymentCommand';
import { UnstartableCommandError, checkStartable, startPaymentCommand } from '../startCommand';
import { OwnerLookupError, mibRefusalOf } from './transactionOwner';
import {
  commandAmount,
  commandTransaction,
  orderIdOf,
  paymentOf,
  providerHints,
  type MibReplyContext,
} from './payment';
import { intakeAuthFailure } from '../../http/callerAuth';
import { authGate, type AuthGate } from '../../http/throttle';
import type { CoreServices } from '../door';

/** The MIB door's name in a command's reply context and the SettleFacets search attribute (door:<name>). */
export const MIB_DOOR = 'mib';

/**
 * `POST /mib`: the endpoint MIB forwards payment commands to. Each valid command on a transaction MIB may act
 * on (transactionOwner.ts) becomes one paymentCommandWorkflow, started with an id derived from the command,
 * and is acknowledged at once; the outcome reaches MIB later as a notification. Invalid input is answered with the JSON-RPC error for its
 * case and starts nothing.
 */

export interface MibIntakeDependencies extends CoreServices {
  /** The shared secret MIB proves it holds (http/callerAuth.ts). */
  readonly mibIntakeSecret: string;
}

/** The most requests a batch may hold; a longer batch is refused whole, and nothing of it starts. */
export const MIB_BATCH_LIMIT = 100;

/** HTTP status per JSON-RPC error: bad input is a 4xx, and only Settle's own trouble asks MIB to retry (503). */
const HTTP_STATUS: Record<number, number> = {
  [JSON_RPC_ERRORS.parseError]: 400,
  [JSON_RPC_ERRORS.invalidRequest]: 400,
  [JSON_RPC_ERRORS.methodNotFound]: 404,
  [JSON_RPC_ERRORS.invalidParams]: 400,
  [JSON_RPC_ERRORS.internalError]: 503,
};

/** The intake's authentication, throttled per client (http/throttle.ts); its refusals are JSON-RPC errors. */
export function mibIntakeGate(logger: Logger): AuthGate {
  return authGate({
    route: '/mib',
    logger,
    unauthorized: (res, reason) =>
      void res
        .status(401)
        .set('WWW-Authenticate', 'Bearer realm="settle-mib-intake"')
        .json(jsonRpcError(null, JSON_RPC_ERRORS.unauthorized, `Unauthorized: ${reason}`)),
    throttled: (res, seconds) =>
      void res.json(
        jsonRpcError(
          null,
          JSON_RPC_ERRORS.unauthorized,
          `Too many failed authentications: retry after ${seconds} s`,
        ),
      ),
  });
}

/**
 * `POST /mib` (declared in oms/mib/routes.ts): authenticates the caller over the raw body, then answers the
 * request or the batch.
 */
export async function receiveMibRequest(
  deps: MibIntakeDependencies,
  gate: AuthGate,
  req: Request,
  res: Response,
): Promise<void> {
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  // Before anything is parsed: an unauthenticated caller learns nothing about the payload's validity.
  if (!gate.admit(req, res, () => intakeAuthFailure(req.headers, body, deps.mibIntakeSecret))) return;
  const raw = body.toString('utf8');
  let message: unknown;
  try {
    message = JSON.parse(raw);
  } catch {
    const text = 'Parse error: the body is not valid JSON';
    deps.logger.warn('refused a payment command', { code: JSON_RPC_ERRORS.parseError, error: text });
    res.status(400).json(jsonRpcError(null, JSON_RPC_ERRORS.parseError, text));
    return;
  }
  if (Array.isArray(message)) {
    const batchProblem =
      message.length === 0
        ? 'empty batch'
        : message.length > MIB_BATCH_LIMIT
          ? `a batch of ${message.length} requests; at most ${MIB_BATCH_LIMIT}`
          : undefined;
    if (batchProblem) {
      const text = `Invalid Request: ${batchProblem}`;
      deps.logger.warn('refused a payment command', { code: JSON_RPC_ERRORS.invalidRequest, error: text });
      res.status(400).json(jsonRpcError(null, JSON_RPC_ERRORS.invalidRequest, text));
      return;
    }
    // Each start waits for one of a bounded number of slots (oms/startCommand.ts).
    const answers = (await Promise.all(message.map((one) => handleRequest(deps, one)))).filter(
      (answer): answer is JsonRpcResponse => answer !== undefined,
    );
    // One command that could not be accepted makes MIB deliver the batch again; the rest are idempotent.
    const retry = answers.some(
      (answer) => 'error' in answer && answer.error.code === JSON_RPC_ERRORS.internalError,
    );
    if (answers.length === 0) res.status(204).end();
    else res.status(retry ? 503 : 200).json(answers);
    return;
  }
  const answer = await handleRequest(deps, message);
  if (!answer) {
    res.status(204).end();
    return;
  }
  res.status('error' in answer ? (HTTP_STATUS[answer.error.code] ?? 500) : 200).json(answer);
}

/** One JSON-RPC request → its response, or undefined for a JSON-RPC notification (no id). */
async function handleRequest(
  deps: MibIntakeDependencies,
  message: unknown,
): Promise<JsonRpcResponse | undefined> {
  const envelope = jsonRpcRequestSchema.safeParse(message);
  if (!envelope.success) {
    // Answered even without an id, with id null: JSON-RPC cannot tell a broken request's id.
    return refuse(deps.logger, message, idOf(message), JSON_RPC_ERRORS.invalidRequest, 'Invalid Request', {
      issues: issuesOf(envelope.error, '$'),
    });
  }
  const { id, method, params } = envelope.data;
  const respond = (answer: JsonRpcResponse) => (id === undefined ? undefined : answer);
  const replyId = id ?? null;
  const refused = (code: number, text: string, data?: RefusalData) =>
    refuse(deps.logger, message, id, code, text, data);

  const command = commandOfMethod(method);
  if (!command) return refused(JSON_RPC_ERRORS.methodNotFound, `Method not found: ${clip(method)}`);
  const parsed = paymentOf(params);
  if ('error' in parsed) {
    return refused(JSON_RPC_ERRORS.invalidParams, 'Invalid params', {
      issues: issuesOf(parsed.error, 'params'),
    });
  }
  const { payment } = parsed;
  // Checks the schema cannot make: they depend on the command and on the configured providers.
  const invalid = (field: string, reason: string) =>
    refused(JSON_RPC_ERRORS.invalidParams, 'Invalid params', {
      issues: [{ path: `params.payment.transactions.0.${field}`, message: reason }],
    });
  const transactionId = commandTransaction(payment).gateway_information?.transaction_id;
  if (!transactionId) {
    return invalid('gateway_information.transaction_id', `required: the authorization to ${command}`);
  }
  const provider = deps.providers.nameFor(providerHints(payment));
  if (!provider) {
    const known = deps.providers.names.join(', ');
    return invalid(
      'gateway_information.gateway_id',
      `no provider of that name is configured (have: ${known})`,
    );
  }
  const amount = commandAmount(payment);
  if (amount.minor === 0 && (command === 'capture' || command === 'refund'))
    return invalid('amount', `a ${command} of nothing moves no money`);
  // An amount the provider would read otherwise (its own minor units and rules) is refused before anything
  // starts; a cancel sends none.
  const unpayable = command === 'cancel' ? undefined : deps.providers.amountProblem(provider, amount);
  if (unpayable) return invalid('amount', unpayable);

  const identity: PaymentCommandIdentity = {
    command,
    reference: payment.reference,
    transactionId,
    amount,
    provider,
  };
  const workflowId = paymentWorkflowId({
    reference: payment.reference,
    command,
    fingerprint: fingerprint(identity),
  });
  const input: PaymentCommandInput = {
    command,
    reference: payment.reference,
    provider,
    transactionId,
    amountMinor: amount.minor,
    currency: amount.currency,
    settlement: settlementAt(deps.settlement, deps.providers, command, provider),
    reply: { door: MIB_DOOR, context: { payment } satisfies MibReplyContext },
  };
  try {
    checkStartable(input);
    // Last, once nothing local refuses it: it asks the provider (transactionOwner.ts).
    const refusal = await mibRefusalOf(deps.providers.get(provider)!, transactionId, command, amount.minor);
    if (refusal) return invalid(refusal.field, refusal.message);
    await startPaymentCommand(deps, input, { workflowId, orderId: orderIdOf(payment) });
  } catch (error) {
    if (error instanceof UnstartableCommandError) {
      // The reply context is { payment }: its paths are those of params.
      return refused(JSON_RPC_ERRORS.invalidParams, 'Invalid params', {
        issues: [{ path: `params.${error.path}`, message: error.message }],
      });
    }
    if (error instanceof OwnerLookupError) {
      deps.logger.error('could not ask the provider who owns a transaction; MIB will deliver again', {
        provider,
        reference: payment.reference,
        error: error.message,
      });
      return jsonRpcError(
        replyId,
        JSON_RPC_ERRORS.internalError,
        `Internal error: ${provider} could not be asked about the transaction; retry`,
      );
    }
    // Answered even without an id: MIB must see the 503 and deliver the command again.
    return jsonRpcError(
      replyId,
      JSON_RPC_ERRORS.internalError,
      'Internal error: the command could not be accepted; retry',
    );
  }
  return respond(jsonRpcResult(replyId, { accepted: true, workflow_id: workflowId }));
}

interface RefusalData {
  readonly issues: readonly { readonly path: string; readonly message: string }[];
}

/**
 * Logs a refused request, once, with what lets an operator find it (its method and payment reference) and
 * why; never its amounts or other data. Answers it, unless it is a JSON-RPC notification (id undefined),
 * which gets no answer: then the log line is the only trace of the refusal.
 */
function refuse(
  logger: Logger,
  request: unknown,
  id: JsonRpcId | undefined,
  code: number,
  text: string,
  data?: RefusalData,
): JsonRpcResponse | undefined {
  const { method, params } = (typeof request === 'object' && request !== null ? request : {}) as {
    method?: unknown;
    params?: { payment?: { reference?: unknown } };
  };
  const reference = params?.payment?.reference;
  logger.warn(
    id === undefined ? 'refused a payment command sent without id (no answer)' : 'refused a payment command',
    {
      method: typeof method === 'string' ? clip(method) : undefined,
      reference: typeof reference === 'string' ? clip(reference) : undefined,
      code,
      error: text,
      issues: data?.issues,
    },
  );
  return id === undefined ? undefined : jsonRpcError(id, code, text, data);
}

/** Caller-chosen text in a log line or an answer, kept short. */
function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
