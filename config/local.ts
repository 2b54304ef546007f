import { z } from 'zod';
import { ConfigError } from './errors';
import { describeIssues } from './issues';
import { port } from './setting';

export interface LocalPorts {
  readonly api: number;
  /** The codec server's own listener (the Web UI decrypts through it). */
  readonly codec: number;
  readonly mib: number;
  readonly gateway: number;
  readonly sprykerShop: number;
  readonly deityShop: number;
  readonly temporal: number;
  readonly temporalUi: number;
}

const localPortsSchema = z.object({
  API_PORT: port.default(3000),
  CODEC_PORT: port.default(3001),
  MIB_SIM_PORT: port.default(4001),
  GATEWAY_SIM_PORT: port.default(4002),
  SPRYKER_SIM_PORT: port.default(4003),
  DEITY_SIM_PORT: port.default(4004),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
});

/** Ports of the embedded local stack (`npm start`, `npm run sim:*`), each overridable by its variable. */
export function localPorts(env: Record<string, string | undefined> = process.env): LocalPorts {
  const parsed = localPortsSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(`invalid configuration:\n${describeIssues(parsed.error, env)}`);
  const p = parsed.data;
  return {
    api: p.API_PORT,
    codec: p.CODEC_PORT,
    mib: p.MIB_SIM_PORT,
    gateway: p.GATEWAY_SIM_PORT,
    sprykerShop: p.SPRYKER_SIM_PORT,
    deityShop: p.DEITY_SIM_PORT,
    temporal: p.TEMPORAL_PORT,
    temporalUi: p.TEMPORAL_UI_PORT,
  };
}

/** The tenant the local Spryker shop simulator plays. */
export const LOCAL_SPRYKER_TENANT = 'local-shop';
export const LOCAL_SPRYKER_TOKEN = 'local-spryker-token-0001';

/** The profile the local Deity shop simulator plays. */
export const LOCAL_DEITY_PROFILE = {
  serviceUser: 'local:shop:dev',
  serviceToken: 'local-deity-token-0001',
} as const;

/**
 * Configuration of the embedded local stack: the simulators on localhost, development secrets (the core's and
 * the front doors' settings: a unit test checks every name is a setting).
 */
export function localDefaults(ports: Pick<LocalPorts, 'api' | 'mib' | 'gateway'> = localPorts({})) {
  const mib = `http://127.0.0.1:${ports.mib}`;
  return {
    API_PORT: String(ports.api),
    MIB_BASE_URL: mib,
    MIB_TOKEN_URL: `${mib}/oauth/token`,
    // The simulator speaks plain http on localhost.
    MIB_ALLOW_PLAIN_HTTP: 'true',
    MOM_CLIENT: 'settle-local',
    SERVICE_BUS_SECRET: 'local-mib-secret',
    SERVICE_BUS_ENDPOINT_NAME: 'custom-payment',
    MIB_INTAKE_SECRET: 'local-mib-intake-secret',
    ADMIN_TOKEN: 'local-operator-token',
    // Only the local Web UI reaches it, and the Web UI cannot send a token.
    CODEC_ALLOW_ANONYMOUS: 'true',
    PUBLIC_URL: `http://127.0.0.1:${ports.api}`,
    // A development key: the local stack's payment page links are signed with it.
    CHECKOUT_PAGE_KEY: 'local-checkout-page-key-not-for-production',
    SPRYKER_TENANTS: `${LOCAL_SPRYKER_TENANT}=${LOCAL_SPRYKER_TOKEN}`,
    DEITY_PROFILES: JSON.stringify([
      {
        ...LOCAL_DEITY_PROFILE,
        methods: [
          {
            provider: 'gateway',
            method: 'card',
            title: 'Card',
            currencies: ['EUR', 'USD'],
            sortOrder: [{ countries: ['*'], sortOrder: 0 }],
            config: { brands: ['visa', 'mastercard'] },
            // Authorized server-side with this token at the gateway simulator (direct checkout).
            paymentMethod: 'tok_visa',
          },
          // No token: the customer pays on Settle's payment page (validate answers redirect).
          {
            provider: 'gateway',
            method: 'card-page',
            title: 'Card (secure page)',
            currencies: ['EUR', 'USD'],
            sortOrder: [{ countries: ['*'], sortOrder: 10 }],
            minMaxAmounts: [{ currency: '*', min: 1 }],
          },
        ],
      },
    ]),
    GATEWAY_URL: `http://127.0.0.1:${ports.gateway}`,
    GATEWAY_API_KEY: 'local-gateway-key',
    GATEWAY_WEBHOOK_SECRET: 'local-gateway-webhook-secret',
  } satisfies Readonly<Record<string, string>>;
}
