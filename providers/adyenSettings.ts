import { z } from 'zod';
import { httpsUrl, secret } from '../config/setting';
import { defineProvider } from './definition';

/** Adyen's settings (provider `adyen`). */
export const adyenProvider = defineProvider({
  owner: 'adyen',
  title: 'Adyen (provider "adyen")',
  about: 'Its webhook endpoint is <public url>/webhooks/adyen.',
  settings: {
    ADYEN_API_KEY: {
      key: 'adyen.api_key',
      schema: secret,
      required: true,
      secret: true,
      description: 'API key of the web service user (Customer Area, Developers > API credentials).',
    },
    ADYEN_MERCHANT_ACCOUNT: {
      key: 'adyen.merchant_account',
      schema: z.string().min(1),
      required: true,
      description:
        'Merchant account the payments were made on; a notification for another merchant account is refused.',
    },
    ADYEN_HMAC_KEY: {
      key: 'adyen.hmac_key',
      schema: z
        .string()
        .regex(
          /^([0-9A-Fa-f]{2}){16,}$/,
          'must be the hex HMAC key from the Customer Area (at least 32 hex digits)',
        ),
      required: true,
      secret: true,
      description: "HMAC key of the Standard webhook (hex, from the webhook's settings).",
    },
    ADYEN_ENVIRONMENT: {
      key: 'adyen.environment',
      schema: z.enum(['test', 'live']),
      description: 'test or live; live needs adyen.live_url_prefix (or adyen.checkout_url).',
      unset: 'test',
    },
    ADYEN_LIVE_URL_PREFIX: {
      key: 'adyen.live_url_prefix',
      schema: z
        .string()
        .regex(
          /^[A-Za-z0-9-]+$/,
          'must be the prefix of your live endpoints, e.g. 1797a841fbb37ca7-AdyenDemo',
        ),
      description: 'Prefix of the live endpoints (Customer Area, Developers > API URLs).',
      unset: 'none; required when adyen.environment is live',
    },
    ADYEN_CHECKOUT_URL: {
      key: 'adyen.checkout_url',
      schema: httpsUrl,
      description:
        "Another https base for the Checkout API (a proxy; the tests' stand-in), e.g. https://127.0.0.1:8443.",
      unset: "Adyen's, from the environment",
    },
    ADYEN_CA_FILE: {
      key: 'adyen.ca_file',
      schema: z.string().min(1),
      description:
        'PEM file of extra certificate authorities to trust for the Checkout API (a TLS-inspecting proxy).',
      unset: 'none',
    },
    ADYEN_CLIENT_KEY: {
      key: 'adyen.client_key',
      schema: z.string().regex(/^(test|live)_[A-Za-z0-9]+$/, 'must be a client key (test_… or live_…)'),
      description:
        "Client key of the web service user (Customer Area, Developers > API credentials), which Drop-in uses on Settle's payment page; its allowed origins must include PUBLIC_URL.",
      unset: 'no payment page for Adyen: a page checkout is declined, naming this setting',
    },
  },
  alsoRequired: (given) =>
    given.ADYEN_ENVIRONMENT === 'live' && !given.ADYEN_LIVE_URL_PREFIX && !given.ADYEN_CHECKOUT_URL
      ? [{ setting: 'ADYEN_LIVE_URL_PREFIX', why: 'ADYEN_ENVIRONMENT is live' }]
      : [],
  create(settings) {
    // Loaded only by a process that talks to Adyen: its library takes most of a second to load.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { AdyenProvider } = require('./adyen') as typeof import('./adyen');
    return new AdyenProvider({
      apiKey: settings.ADYEN_API_KEY,
      merchantAccount: settings.ADYEN_MERCHANT_ACCOUNT,
      hmacKey: settings.ADYEN_HMAC_KEY,
      environment: settings.ADYEN_ENVIRONMENT ?? 'test',
      liveUrlPrefix: settings.ADYEN_LIVE_URL_PREFIX,
      checkoutUrl: settings.ADYEN_CHECKOUT_URL,
      caFile: settings.ADYEN_CA_FILE,
      clientKey: settings.ADYEN_CLIENT_KEY,
    });
  },
});
