import type { ValuesOf } from '../../config/setting';
import { parseDuration } from '../../domain/duration';
import type { OrderDoorDependencies } from '../orderCommands';
import type { sprykerSettings } from './settings';

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
}

/** What the door's HTTP side needs. */
export interface SprykerDependencies extends OrderDoorDependencies {
  /** Absent: the door refuses every call. */
  readonly spryker?: SprykerSettings;
}

/** The settings as loaded (config/) in the shape the door uses. */
export function sprykerSettingsOf(config: {
  readonly SPRYKER_TENANTS?: Readonly<Record<string, string>>;
  readonly SPRYKER_PAYMENT_METHODS: Readonly<Record<string, string>>;
  readonly SPRYKER_APP_IDENTIFIER: string;
  readonly SPRYKER_CHECKOUT_WAIT: string;
  readonly PUBLIC_URL?: string;
}): SprykerSettings {
  return {
    tenants: new Map(Object.entries(config.SPRYKER_TENANTS ?? {})),
    methods: new Map(Object.entries(config.SPRYKER_PAYMENT_METHODS)),
    appIdentifier: config.SPRYKER_APP_IDENTIFIER,
    checkoutWaitMs: parseDuration(config.SPRYKER_CHECKOUT_WAIT),
    ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}),
  };
}

/** The mailbox a tenant fetches one channel's messages from. */
export function mailboxId(tenant: string, channel: string): string {
  return `mailbox:${SPRYKER_DOOR}:${tenant}:${channel}`;
}

/** Settle's payment methods announced to every Spryker tenant (`settle register --door spryker`). */
export const ANNOUNCE_WORKFLOW_ID = 'settle-announce-payment-methods';

/** The Temporal Schedule that announces the payment methods again. */
export const ANNOUNCE_SCHEDULE_ID = 'settle-announce-payment-methods';
