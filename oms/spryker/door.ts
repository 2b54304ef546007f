import { ConfigError } from '../../config/errors';
import type { ValuesOf } from '../../config/setting';
import { parseDuration } from '../../domain/duration';
import type { OrderDoorDependencies } from '../orderCommands';
import type { sprykerSettings } from './settings';
import { rsaPublicKey, type KeySource, type TokenRules } from './tokens';

/** The door's settings as loaded. */
export type SprykerConfig = ValuesOf<typeof sprykerSettings.settings>;

/** The Spryker door's name: in a command's reply context and the SettleFacets search attribute (door:<name>). */
export const SPRYKER_DOOR = 'spryker';

/** The door's settings as its parts use them (oms/spryker/settings.ts declares them). */
export interface SprykerSettings {
  /** Bearer token by tenant identifier (a Map: the caller names the tenant, and no prototype key may answer). */
  readonly tenants: ReadonlyMap<string, string>;
  /** Provider by payment method name, which checkout's caller chooses. */
  readonly methods: ReadonlyMap<string, string>;
  readonly appIdentifier: string;
  /** How long checkout waits for the authorization, in ms. */
  readonly checkoutWaitMs: number;
  /** Settle's base URL as shops reach it, for the methods' authorization endpoint. */
  readonly publicUrl?: string;
  /** How the shops' access tokens (JWTs) are verified; absent: only the static tokens are accepted. */
  readonly tokens?: TokenRules;
}

/** What the door's HTTP side needs. */
export interface SprykerDependencies extends OrderDoorDependencies {
  /** Absent: the door refuses every call. */
  readonly spryker?: SprykerSettings;
}

/** The settings as loaded (config/) in the shape the door uses. */
export function sprykerSettingsOf(
  config: Pick<
    SprykerConfig,
    | 'SPRYKER_TENANTS'
    | 'SPRYKER_PAYMENT_METHODS'
    | 'SPRYKER_APP_IDENTIFIER'
    | 'SPRYKER_CHECKOUT_WAIT'
    | 'SPRYKER_JWKS_URL'
    | 'SPRYKER_JWT_PUBLIC_KEY'
    | 'SPRYKER_JWT_ISSUER'
    | 'SPRYKER_BUS_AUDIENCE'
    | 'SPRYKER_APP_AUDIENCE'
    | 'SPRYKER_JWT_CLOCK_SKEW'
    | 'SPRYKER_JWKS_REFRESH'
    | 'SPRYKER_JWT_TENANT_CLAIM'
  > & { readonly PUBLIC_URL?: string },
): SprykerSettings {
  const keys = keySourceOf(config);
  return {
    tenants: new Map(Object.entries(config.SPRYKER_TENANTS ?? {})),
    methods: new Map(Object.entries(config.SPRYKER_PAYMENT_METHODS)),
    appIdentifier: config.SPRYKER_APP_IDENTIFIER,
    checkoutWaitMs: parseDuration(config.SPRYKER_CHECKOUT_WAIT),
    ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}),
    ...(keys
      ? {
          tokens: {
            keys,
            ...(config.SPRYKER_JWT_ISSUER ? { issuer: config.SPRYKER_JWT_ISSUER } : {}),
            audiences: { bus: config.SPRYKER_BUS_AUDIENCE, checkout: config.SPRYKER_APP_AUDIENCE },
            clockSkewSeconds: parseDuration(config.SPRYKER_JWT_CLOCK_SKEW) / 1000,
            tenantClaim: config.SPRYKER_JWT_TENANT_CLAIM,
          },
        }
      : {}),
  };
}

/** One key source or none; both is a configuration error. */
function keySourceOf(
  config: Pick<SprykerConfig, 'SPRYKER_JWKS_URL' | 'SPRYKER_JWT_PUBLIC_KEY' | 'SPRYKER_JWKS_REFRESH'>,
): KeySource | undefined {
  const { SPRYKER_JWKS_URL: jwksUrl, SPRYKER_JWT_PUBLIC_KEY: pem } = config;
  if (jwksUrl && pem) {
    throw new ConfigError(
      'invalid configuration:\n  SPRYKER_JWKS_URL and SPRYKER_JWT_PUBLIC_KEY: set one of them, not both',
    );
  }
  if (jwksUrl) return { jwksUrl, refreshMs: parseDuration(config.SPRYKER_JWKS_REFRESH) };
  return pem ? { publicKey: rsaPublicKey(pem) } : undefined;
}

/** The mailbox a tenant fetches one channel's messages from. */
export function mailboxId(tenant: string, channel: string): string {
  return `mailbox:${SPRYKER_DOOR}:${tenant}:${channel}`;
}

/** Settle's payment methods announced to every Spryker tenant (`settle register --door spryker`). */
export const ANNOUNCE_WORKFLOW_ID = 'settle-announce-payment-methods';

/** The Temporal Schedule that announces the payment methods again. */
export const ANNOUNCE_SCHEDULE_ID = 'settle-announce-payment-methods';
