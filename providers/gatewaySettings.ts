import { secret, url } from '../config/setting';
import { defineProvider } from './definition';

/** The gateway simulator's settings (provider `gateway`). */
export const gatewayProvider = defineProvider({
  owner: 'gateway',
  title: 'Gateway simulator (provider "gateway")',
  about: "Settle's stand-in payment provider, the default while no other is configured.",
  settings: {
    GATEWAY_URL: {
      key: 'gateway.url',
      schema: url,
      required: true,
      description: "Base URL of the gateway's API.",
    },
    GATEWAY_API_KEY: {
      key: 'gateway.api_key',
      schema: secret,
      required: true,
      secret: true,
      description: 'API key Settle sends to the gateway, at least 8 characters.',
    },
    GATEWAY_WEBHOOK_SECRET: {
      key: 'gateway.webhook_secret',
      schema: secret,
      required: true,
      secret: true,
      description: 'Secret the gateway signs its webhooks with, at least 8 characters.',
    },
  },
  create(settings) {
    // Loaded only by a process whose gateway serves payments, not by every one that reads settings.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { GatewayProvider } = require('./gateway') as typeof import('./gateway');
    return new GatewayProvider({
      baseUrl: settings.GATEWAY_URL,
      apiKey: settings.GATEWAY_API_KEY,
      webhookSecret: settings.GATEWAY_WEBHOOK_SECRET,
    });
  },
});
