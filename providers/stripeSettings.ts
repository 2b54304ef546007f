import { z } from 'zod';
import { ConfigError } from '../config/errors';
import { url } from '../config/setting';
import { defineProvider } from './definition';

/** Stripe's settings (provider `stripe`). */
export const stripeProvider = defineProvider({
  owner: 'stripe',
  title: 'Stripe (provider "stripe")',
  about: 'Its webhook endpoint is <public url>/webhooks/stripe.',
  settings: {
    STRIPE_API_KEY: {
      key: 'stripe.api_key',
      schema: z
        .string()
        .regex(
          /^(sk|rk)_(test|live)_[A-Za-z0-9]+$/,
          'must be a Stripe secret or restricted key (sk_… or rk_…)',
        ),
      required: true,
      secret: true,
      description:
        'Secret key (sk_live_…, sk_test_…) or restricted key (rk_…) with write access to PaymentIntents and Refunds.',
    },
    STRIPE_WEBHOOK_SECRET: {
      key: 'stripe.webhook_secret',
      schema: z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, "must be the endpoint's signing secret (whsec_…)"),
      required: true,
      secret: true,
      description: "Signing secret of the webhook endpoint (whsec_…), from the Dashboard's endpoint page.",
    },
    STRIPE_API_BASE: {
      key: 'stripe.api_base',
      schema: url,
      description: 'Another API base, e.g. http://127.0.0.1:12111 for stripe-mock.',
      unset: "Stripe's",
    },
    STRIPE_CHECKOUT_PAYMENT_METHOD: {
      key: 'stripe.checkout_payment_method',
      schema: z.string().regex(/^pm_[A-Za-z0-9_]+$/, 'must be a PaymentMethod id (pm_…)'),
      description:
        'Test mode only (refused with an sk_live_/rk_live_ key): the PaymentMethod a direct checkout is confirmed with when ' +
        "the front door names none, e.g. pm_card_visa. Real customers pay on the payment page or with the shop's own token.",
      unset: 'the front door must name one',
    },
    STRIPE_PUBLISHABLE_KEY: {
      key: 'stripe.publishable_key',
      schema: z
        .string()
        .regex(/^pk_(test|live)_[A-Za-z0-9]+$/, 'must be a Stripe publishable key (pk_test_… or pk_live_…)'),
      description:
        "Publishable key (pk_…) Stripe.js uses on Settle's payment page; the mode (test or live) of STRIPE_API_KEY.",
      unset: 'no payment page for Stripe: a page checkout is declined, naming this setting',
    },
  },
  create(settings) {
    // A configured card confirmed server-side for every customer is a test harness, never a live payment.
    if (settings.STRIPE_CHECKOUT_PAYMENT_METHOD && /^(sk|rk)_live_/.test(settings.STRIPE_API_KEY)) {
      throw new ConfigError(
        'STRIPE_CHECKOUT_PAYMENT_METHOD (stripe.checkout_payment_method) is for test mode only, and STRIPE_API_KEY ' +
          'is a live key: unset it; customers pay on the payment page or with the payment method the shop sends',
      );
    }
    // Loaded only by a process that talks to Stripe: the SDK takes a while to load.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { StripeProvider } = require('./stripe') as typeof import('./stripe');
    return new StripeProvider({
      apiKey: settings.STRIPE_API_KEY,
      webhookSecret: settings.STRIPE_WEBHOOK_SECRET,
      apiBase: settings.STRIPE_API_BASE,
      checkoutPaymentMethod: settings.STRIPE_CHECKOUT_PAYMENT_METHOD,
      publishableKey: settings.STRIPE_PUBLISHABLE_KEY,
    });
  },
});
