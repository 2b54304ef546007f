import { z } from 'zod';
import { duration, secret, section, url } from '../../config/setting';

/** The MIB door's settings, declared with the door; config/catalogue.ts lists them with every other part's. */
export const mibSettings = section({
  owner: 'mib',
  commands: ['settle register --door mib'],
  title: 'Magento Integration Bus (MIB)',
  about:
    "The MIB front door: Settle's OAuth 2.0 client at MIB, the secret of MIB's calls to Settle, and the " +
    "endpoint's registration. `mom_client`, `service_bus.secret` and `service_bus.endpoint_name` are the keys " +
    "of Magento's own parameters.yml.",
  settings: {
    SERVICE_BUS_ENDPOINT_NAME: {
      key: 'service_bus.endpoint_name',
      schema: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, _ . - only'),
      default: 'custom-payment',
      description:
        'Endpoint name agreed with Magento; registration announces Settle under this id. Letters, digits, _ . - only.',
    },
    MOM_CLIENT: {
      key: 'mom_client',
      schema: z.string().min(1),
      required: true,
      description: 'OAuth 2.0 client id issued by Magento.',
    },
    SERVICE_BUS_SECRET: {
      key: 'service_bus.secret',
      schema: secret,
      required: true,
      secret: true,
      description: 'OAuth 2.0 client secret issued by Magento, at least 8 characters.',
    },
    MIB_BASE_URL: {
      key: 'service_bus.base_url',
      schema: url,
      required: true,
      description: 'MIB base URL (http or https); Settle appends /<mom_client>/…',
    },
    MIB_TOKEN_URL: {
      key: 'service_bus.token_url',
      schema: url,
      required: true,
      description: 'OAuth 2.0 token endpoint of MIB.',
    },
    MIB_ALLOW_PLAIN_HTTP: {
      key: 'service_bus.allow_plain_http',
      schema: z.enum(['true', 'false'], 'must be true or false').transform((value) => value === 'true'),
      default: 'false',
      description:
        'true lets the OAuth client send the client secret to an http:// MIB_TOKEN_URL, for a local MIB ' +
        'simulator only; otherwise an http token URL stops start-up.',
    },
    MIB_INTAKE_SECRET: {
      key: 'service_bus.intake_secret',
      schema: secret,
      required: true,
      secret: true,
      description:
        "Shared secret MIB's calls to POST /mib must carry, as `Authorization: Bearer <secret>` or as an " +
        'X-Settle-Signature HMAC of the body; at least 8 characters.',
    },
    MIB_REGISTER_EVERY: {
      key: 'service_bus.register_every',
      schema: duration,
      default: '24h',
      description:
        'How often `settle register --schedule` re-registers the endpoint: a whole number and s, m, h or d.',
    },
  },
});
