import type { ValuesOf } from '../../config/setting';
import { parseDuration } from '../../domain/duration';
import type { OrderDoorDependencies } from '../orderCommands';
import { DEFAULT_BASE_PATH } from './contract';
import type { DeityMethod, DeityProfile, deitySettings } from './settings';

/** The Deity door's name: in a command's reply context and the SettleFacets search attribute (door:<name>). */
export const DEITY_DOOR = 'deity';

/** The door's settings as its parts use them (oms/deity/settings.ts declares them). */
export interface DeitySettings {
  /** By serviceUser (a Map: the caller names the profile, and no prototype key may answer). */
  readonly profiles: ReadonlyMap<string, DeityProfile>;
  /** How long place order waits for the authorization, in ms. */
  readonly validateWaitMs: number;
  /** The path the client endpoints are under (DEITY_BASE_PATH), `/api` by default. */
  readonly basePath: string;
}

/** The door's settings as loaded. */
export type DeityConfig = ValuesOf<typeof deitySettings.settings>;

/** What the door's HTTP side needs. */
export interface DeityDependencies extends OrderDoorDependencies {
  /** Absent: the door refuses every call. */
  readonly deity?: DeitySettings;
}

export function deitySettingsOf(config: {
  readonly DEITY_PROFILES?: readonly DeityProfile[];
  readonly DEITY_VALIDATE_WAIT: string;
  readonly DEITY_BASE_PATH?: string;
}): DeitySettings {
  return {
    profiles: new Map((config.DEITY_PROFILES ?? []).map((profile) => [profile.serviceUser, profile])),
    validateWaitMs: parseDuration(config.DEITY_VALIDATE_WAIT),
    basePath: config.DEITY_BASE_PATH ?? DEFAULT_BASE_PATH,
  };
}

/** What the door keeps of an order for its later updates and its events. */
export interface DeityOrderContext {
  readonly serviceUser: string;
  readonly orderId: string;
  readonly provider: string;
  readonly method: string;
  /** Unit prices in minor units, by the shop's item id. */
  readonly items: readonly { readonly id: string; readonly unitMinor: number; readonly quantity: number }[];
  readonly shippingMinor: number;
}

/** What the reporter needs of a command (or of the order's authorization) to publish its status. */
export interface DeityReplyContext {
  readonly serviceUser: string;
  readonly orderId: string;
  readonly provider: string;
  readonly method: string;
  /** The command's workflow; absent for the order's authorization. */
  readonly workflowId?: string;
  readonly amountMinor: number;
  readonly currency: string;
}

export type { DeityMethod, DeityProfile };
