import type { Request, Response } from 'express';
import { z } from 'zod';
import { parseJsonOrUndefined } from '../../domain/json';
import { configureTenant, disconnectTenant, openOrdersOf } from './connections';
import type { SprykerDependencies } from './door';
import type { SprykerGate } from './gate';

/**
 * Tenant onboarding as spryker/app-kernel serves it to Spryker's ACP registry (the App Store side, not the shop):
 * `POST <base>/private/configure` and `POST <base>/private/disconnect`, the tenant named by `X-Tenant-Identifier`
 * (app-kernel `Glue/AppKernel/AppKernelConfig.php`, `resources/api/openapi.yml`). Answers and error envelopes
 * follow app-kernel's (`Builder/ResponseBuilder.php`, `Validator/*`) and app-payment's confirmation of a
 * disconnect while orders are open (`PaymentConfirmDisconnectionRequestValidatorPlugin`).
 */

/** app-kernel's error envelope (GlueErrorTransfer): `code` as a string or number, `status`, `confirm`. */
export const onboardingErrorSchema = z.object({
  errors: z.array(
    z.object({
      code: z.union([z.string(), z.number()]),
      message: z.string(),
      status: z.number().nullable(),
      confirm: z.object({ labelOk: z.string(), labelCancel: z.string() }).nullable(),
    }),
  ),
});

export const configureBodySchema = z.object({
  data: z.object({
    type: z.literal('configuration'),
    attributes: z.object({
      configuration: z
        .string()
        .min(1)
        .describe("The tenant's configuration: a JSON object, written as a string."),
    }),
  }),
});

export const configuredSchema = z.object({
  tenantIdentifier: z.string(),
  configuration: z.record(z.string(), z.unknown()),
});

/** app-payment's codes for a disconnect refused while orders are open, and for one the caller cancelled. */
const OPEN_ORDERS = '21000';
const CANCELLED = '21001';

/** An answer in app-kernel's error envelope (`{errors: [{code, message, status, confirm}]}`). */
export function refuse(
  res: Response,
  httpStatus: number,
  code: string | number,
  message: string,
  extra: { status?: number | null; confirm?: { labelOk: string; labelCancel: string } } = {},
) {
  res.status(httpStatus).json({
    errors: [{ code, message, status: extra.status ?? null, confirm: extra.confirm ?? null }],
  });
}

/**
 * The tenant the call names and is authenticated as; undefined once answered: 422 as app-kernel's HeaderValidator
 * does without `X-Tenant-Identifier`, else the gate's 401 or 429.
 */
function tenantOf(gate: SprykerGate, req: Request, res: Response): string | undefined {
  const header = req.headers['x-tenant-identifier'];
  const named = (Array.isArray(header) ? header[0] : header)?.trim();
  if (named) return gate.tenant(req, res, named);
  refuse(res, 422, '422', 'X-Tenant-Identifier in header is required.');
  return undefined;
}

/** A save that did not go through in time (Temporal or the worker out of reach): app-kernel's 400, code 422. */
function actionFailed(
  deps: SprykerDependencies,
  res: Response,
  tenant: string,
  error: unknown,
  what: string,
) {
  deps.logger.error(`Spryker tenant action failed: could not ${what}`, {
    tenant,
    error: (error as Error).message,
  });
  refuse(res, 400, 422, `Tenant action failed: Settle could not ${what} in time; call again.`, {
    status: 422,
  });
}

/** `POST <base>/private/configure`: saves the tenant's configuration (merged) and connects it. */
export async function configure(
  deps: SprykerDependencies,
  gate: SprykerGate,
  req: Request,
  res: Response,
): Promise<void> {
  const tenant = tenantOf(gate, req, res);
  if (!tenant) return;
  const body = configureBodySchema.safeParse(parseJsonOrUndefined((req.body as Buffer).toString('utf8')));
  if (!body.success) return refuse(res, 422, '422', 'Wrong request format.');
  const configuration = parseJsonOrUndefined(body.data.data.attributes.configuration);
  if (configuration === null || typeof configuration !== 'object' || Array.isArray(configuration)) {
    return refuse(
      res,
      422,
      '422',
      'Wrong request format: the configuration is not a JSON object written as a string.',
    );
  }
  try {
    const saved = await configureTenant(deps, tenant, configuration as Record<string, unknown>);
    deps.logger.info('Spryker tenant configured', { tenant, status: saved.status, revision: saved.revision });
    res.json({ tenantIdentifier: tenant, configuration: saved.configuration });
  } catch (error) {
    actionFailed(deps, res, tenant, error, 'save and announce the configuration');
  }
}

/**
 * `POST <base>/private/disconnect`: disconnects the tenant. While it has open orders the caller must confirm
 * (`X-Confirmation-Status`, read as PHP's FILTER_VALIDATE_BOOLEAN reads its first comma-separated value).
 */
export async function disconnect(
  deps: SprykerDependencies,
  gate: SprykerGate,
  req: Request,
  res: Response,
): Promise<void> {
  const tenant = tenantOf(gate, req, res);
  if (!tenant) return;
  try {
    const confirmation = confirmationOf(req.headers['x-confirmation-status']);
    if (confirmation !== true) {
      const open = await openOrdersOf(deps.temporal, tenant);
      if (open.length > 0 && confirmation === false) {
        return refuse(res, 400, CANCELLED, 'Please close any open orders and try again.', { status: 400 });
      }
      if (open.length > 0) {
        deps.logger.info('Spryker tenant not disconnected: open orders', { tenant, open: open.length });
        return refuse(
          res,
          409,
          OPEN_ORDERS,
          `The payment app cannot be disconnected while the tenant has open orders (${open.length}` +
            `${open.length >= 100 ? ' or more' : ''}): close them, or confirm with X-Confirmation-Status: true.`,
          { status: 409, confirm: { labelOk: 'Ignore & Disconnect', labelCancel: 'Cancel' } },
        );
      }
    }
    const saved = await disconnectTenant(deps, tenant);
    deps.logger.info('Spryker tenant disconnected', { tenant, revision: saved.revision });
    res.status(204).end();
  } catch (error) {
    actionFailed(deps, res, tenant, error, 'disconnect the tenant and announce it');
  }
}

/** undefined: no answer given yet; true or false as PHP's FILTER_VALIDATE_BOOLEAN reads the first value. */
export function confirmationOf(header: string | string[] | undefined): boolean | undefined {
  const whole = Array.isArray(header) ? header[0] : header;
  // PHP takes "0" for no answer at all, like an empty header.
  if (!whole || whole === '0') return undefined;
  const first = whole.split(',')[0]!.trim();
  return ['1', 'true', 'on', 'yes'].includes(first.toLowerCase());
}
