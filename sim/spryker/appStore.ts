import { credentialsOf, type ShopCredentials } from './accessToken';

/**
 * Spryker's ACP registry (the App Store side, not the shop) as a payment app meets it: it connects a tenant with
 * `POST <app>/private/configure` — the configuration a JSON object written as a string, in app-kernel's
 * `{"data":{"type":"configuration","attributes":{"configuration":"…"}}}` — and disconnects it with
 * `POST <app>/private/disconnect` (spryker/app-kernel `resources/api/openapi.yml`). The answers are checked
 * as app-kernel gives them: 200 `{tenantIdentifier, configuration}`, 204.
 */

export interface AppStoreOptions {
  /** Settle's base URL; the app's routes are under `${settleUrl}/spryker`. */
  readonly settleUrl: string;
  readonly tenant: string;
  /** A static bearer token, or a token provider (the registry's calls carry the checkout audience). */
  readonly token: string | ShopCredentials;
}

export interface AppStoreAnswer {
  readonly status: number;
  readonly body: unknown;
}

async function post(
  { settleUrl, tenant, token }: AppStoreOptions,
  path: string,
  body: string | undefined,
  headers: Record<string, string> = {},
): Promise<AppStoreAnswer> {
  const response = await fetch(`${settleUrl.replace(/\/+$/, '')}/spryker/private/${path}`, {
    method: 'POST',
    headers: {
      'x-tenant-identifier': tenant,
      authorization: `Bearer ${credentialsOf(token).token('checkout')}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Kept as text: the caller sees what came.
  }
  return { status: response.status, body: parsed };
}

/** Configures the tenant; answers what the app answered. */
export function configureCall(options: AppStoreOptions, configuration: Record<string, unknown> = {}) {
  const body = {
    data: { type: 'configuration', attributes: { configuration: JSON.stringify(configuration) } },
  };
  return post(options, 'configure', JSON.stringify(body));
}

/** Disconnects the tenant; `confirmation` is sent as X-Confirmation-Status when given. */
export function disconnectCall(options: AppStoreOptions, confirmation?: string) {
  return post(
    options,
    'disconnect',
    undefined,
    confirmation === undefined ? {} : { 'x-confirmation-status': confirmation },
  );
}

/** Connects the tenant, as the registry does when a shop installs the app; throws on any other answer than 200. */
export async function connectTenant(
  options: AppStoreOptions,
  configuration: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const answer = await configureCall(options, configuration);
  const body = answer.body as { tenantIdentifier?: unknown; configuration?: unknown } | null;
  if (
    answer.status !== 200 ||
    body?.tenantIdentifier !== options.tenant ||
    typeof body.configuration !== 'object' ||
    body.configuration === null
  ) {
    throw new Error(
      `configuring the tenant ${options.tenant} was answered ${answer.status}: ${JSON.stringify(answer.body)}`,
    );
  }
  return body.configuration as Record<string, unknown>;
}
