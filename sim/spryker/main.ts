import { LOCAL_SPRYKER_TENANT, LOCAL_SPRYKER_TOKEN, localPorts } from '../../config';
import { listen } from '../../config/server';
import { dummyTokenProvider, privateKeyFrom } from './accessToken';
import { connectTenant } from './appStore';
import { createSprykerShopSimulator } from './server';
import { onStopSignals } from '../../config/stopSignals';

/**
 * `npm run sim:spryker`: the Spryker shop simulator on its own (port SPRYKER_SIM_PORT, default 4003), talking
 * to Settle at SETTLE_URL as tenant SPRYKER_TENANT with SPRYKER_TOKEN, in SPRYKER_MODE `event` or `conditional`;
 * with SPRYKER_CONNECT=true it connects its tenant first (`/spryker/private/configure`). With
 * SPRYKER_PRIVATE_KEY_FILE (an RSA private key in PEM, such as a shop's config/Zed/dev_only_private.key) it signs
 * access tokens as Spryker's dummy token provider does instead; SPRYKER_LEGACY_REFUNDS=true sends refunds as
 * sales-payment 1.7.0 and older do.
 */
async function main() {
  const mode = process.env.SPRYKER_MODE ?? 'event';
  if (mode !== 'event' && mode !== 'conditional') {
    console.error(`SPRYKER_MODE must be event or conditional, not ${mode}`);
    process.exit(1);
  }
  const settleUrl = process.env.SETTLE_URL ?? `http://127.0.0.1:${localPorts().api}`;
  const tenant = process.env.SPRYKER_TENANT ?? LOCAL_SPRYKER_TENANT;
  const token = process.env.SPRYKER_PRIVATE_KEY_FILE
    ? dummyTokenProvider({ privateKeyPem: privateKeyFrom(process.env.SPRYKER_PRIVATE_KEY_FILE) })
    : (process.env.SPRYKER_TOKEN ?? LOCAL_SPRYKER_TOKEN);
  const sim = createSprykerShopSimulator({
    settleUrl,
    tenant,
    token,
    mode,
    legacyRefunds: process.env.SPRYKER_LEGACY_REFUNDS === 'true',
    pollIntervalMs: Number(process.env.SPRYKER_POLL_INTERVAL_MS ?? 1000),
  });
  const running = await listen(sim.app, localPorts().sprykerShop);
  // The payment page returns the customer to this simulator's storefront.
  sim.useShopUrl(running.url);
  console.log(`Spryker shop simulator (${mode} mode) on ${running.url} (orders: ${running.url}/_orders)`);
  // Its worker fetches the payment channels once Settle's app config is stored: SPRYKER_CONNECT=true plays the
  // ACP registry's configure call first, for a Settle whose tenant nobody connected.
  if (process.env.SPRYKER_CONNECT === 'true') {
    await connectTenant({ settleUrl, tenant, token });
    console.log(`connected the tenant ${tenant} through ${settleUrl}/spryker/private/configure`);
  }
  const stop = () => void sim.stop().then(() => running.close().then(() => process.exit(0)));
  onStopSignals(stop);
}

void main();
