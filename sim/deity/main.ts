import { listen } from '../../config/server';
import { createDeityShopSimulator } from './server';

/**
 * `npm run sim:deity`: the Deity shop simulator on its own (port DEITY_SIM_PORT, default 4004), talking to
 * Settle at SETTLE_URL as the profile DEITY_SERVICE_USER with DEITY_SERVICE_TOKEN, consuming its events from
 * the broker at AMQP_URL.
 */
async function main() {
  const port = Number(process.env.DEITY_SIM_PORT ?? 4004);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`DEITY_SIM_PORT must be a port number, not ${process.env.DEITY_SIM_PORT}`);
    process.exit(1);
  }
  const sim = createDeityShopSimulator({
    settleUrl: process.env.SETTLE_URL ?? 'http://127.0.0.1:3000',
    serviceUser: process.env.DEITY_SERVICE_USER ?? 'local:shop:dev',
    serviceToken: process.env.DEITY_SERVICE_TOKEN ?? 'local-deity-token-0001',
    amqpUrl: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  });
  await sim.start();
  const running = await listen(sim.app, port);
  console.log(`Deity shop simulator on ${running.url} (orders: ${running.url}/_orders, queue ${sim.queue})`);
  const stop = () => void sim.stop().then(() => running.close().then(() => process.exit(0)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
