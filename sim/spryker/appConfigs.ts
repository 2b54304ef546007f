/**
 * The shop's app configs and the channel filter built on them, as spryker/kernel-app keeps and applies them:
 * AppConfigUpdated is stored per appIdentifier (`AppConfigMessageHandlerPlugin` → `KernelAppEntityManager::
 * writeAppConfig`, table `spy_app_config`), and `MessageChannelFilter::filterMessageChannels` lets through only
 * the channels an active config lists. No active config: no channel at all but the system channel `app-events`
 * (message-broker `MessageChannelProvider`).
 */

export interface StoredAppConfig {
  readonly appIdentifier: string;
  readonly status: string;
  /** null: the message had none; such a config never counts (neither branch of getActiveAppConfigs). */
  readonly isActive: boolean | null;
  readonly config: Record<string, unknown>;
  readonly messageChannels: readonly string[];
  /** When it was last written (`updated_at`, which drives the grace of a deactivated app). */
  readonly updatedAt: number;
}

/** The shop's system channel: fetched whatever the filter says (getSystemWorkerChannels). */
export const SYSTEM_CHANNEL = 'app-events';

/** KernelAppConfig::getAppConfigGracePeriod: a deactivated app's channels stay open this long. */
export const GRACE_PERIOD_MS = 1800 * 1000;

/** `app_identifier VARCHAR(36)`: a longer one fails the insert (PostgreSQL), so the handler throws. */
const APP_IDENTIFIER_MAX = 36;

export function createAppConfigStore(clock: () => number = Date.now) {
  const configs = new Map<string, StoredAppConfig>();

  /** The handler: throws, as the shop's does, on a message it cannot store (the worker acks it all the same). */
  function store(body: Record<string, unknown>): StoredAppConfig {
    const { appIdentifier, status, isActive, config, messageChannels } = body;
    if (typeof appIdentifier !== 'string' || !appIdentifier) {
      throw new Error('Property "appIdentifier" of transfer `AppConfigTransfer` is null.');
    }
    if (status === undefined || status === null || status === '') {
      throw new Error('Property "status" of transfer `AppConfigTransfer` is null.');
    }
    if (appIdentifier.length > APP_IDENTIFIER_MAX) {
      throw new Error(`value too long for type character varying(${APP_IDENTIFIER_MAX}): app_identifier`);
    }
    if (config !== undefined && config !== null && (typeof config !== 'object' || Array.isArray(config))) {
      // AppConfigMapper json_encodes `['messageChannels' => …] + config`: an array is needed.
      throw new Error('Unsupported operand types: array + ' + typeof config);
    }
    const stored: StoredAppConfig = {
      appIdentifier,
      status: String(status),
      isActive: typeof isActive === 'boolean' ? isActive : null,
      config: (config as Record<string, unknown> | undefined) ?? {},
      messageChannels: Array.isArray(messageChannels) ? messageChannels.map(String) : [],
      updatedAt: clock(),
    };
    configs.set(appIdentifier, stored);
    return stored;
  }

  /** getActiveAppConfigs: active, or deactivated within the grace period. */
  function active(): StoredAppConfig[] {
    const now = clock();
    return [...configs.values()].filter(
      (c) => c.isActive === true || (c.isActive === false && c.updatedAt >= now - GRACE_PERIOD_MS),
    );
  }

  /**
   * filterMessageChannels: none without an active config; all of them when an active config lists no channel
   * (the feature not enabled on the tenant's side); else those some active config lists.
   */
  function filter(requested: readonly string[]): string[] {
    const configsNow = active();
    if (configsNow.some((c) => c.messageChannels.length === 0)) return [...requested];
    const allowed = new Set(configsNow.flatMap((c) => c.messageChannels));
    return requested.filter((channel) => allowed.has(channel));
  }

  /** getChannelsForConsuming: the filtered channels, then the system channel unless it is among them. */
  function channelsForConsuming(requested: readonly string[]): string[] {
    return [...new Set([...filter(requested), SYSTEM_CHANNEL])];
  }

  /** findChannelByMessageName for a mapped message: its channel, or undefined when the filter drops it. */
  function channelForSending(channel: string): string | undefined {
    if (channel === SYSTEM_CHANNEL) return channel;
    return filter([channel])[0];
  }

  return {
    store,
    active,
    filter,
    channelsForConsuming,
    channelForSending,
    list: () => [...configs.values()],
  };
}

export type AppConfigStore = ReturnType<typeof createAppConfigStore>;
