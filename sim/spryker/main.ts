import { listen } from '../../config/server';
import { createSprykerShopSimulator } from './server';

/**
 * `npm run sim:spryker`: the Spryker shop simulator on its own (port SPRYKER_SIM_PORT, default 4003), talking
 * to Settle at SETTLE_URL as tenant SPRYKER_TENANT with SPRYKER_TOKEN, in SPRYKER_MODE `event` or `conditional`.
 */
async function main() {
  const mode = process.env.SPRYKER_MODE ?? 'event';
  if (mode !== 'event' && mode !== 'conditional') {
    console.error(`SPRYKER_MODE must be event or conditional, not ${mode}`);
    process.exit(1);
  }
  const sim = createSprykerShopSimulator({
    settleUrl: process.env.SETTLE_URL ?? 'http://127.0.0.1:3000',
    tenant: process.env.SPRYKER_TENANT ?? 'shop-local',
    token: process.env.SPRYKER_TOKEN ?? 'local-spryker-token',
    mode,
    pollIntervalMs: Number(process.env.SPRYKER_POLL_INTERVAL_MS ?? 1000),
  });
  const running = await listen(sim.app, Number(process.env.SPRYKER_SIM_PORT ?? 4003));
  console.log(`Spryker shop simulator (${mode} mode) on ${running.url} (orders: ${running.url}/_orders)`);
  const stop = () => void sim.stop().then(() => running.close().then(() => process.exit(0)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
