import { LOCAL_DEITY_PROFILE, localPorts } from '../../config';
import { listen } from '../../config/server';
import { createDeityShopSimulator } from './server';
import { onStopSignals } from '../../config/stopSignals';

/**
 * `npm run sim:deity`: the Deity shop simulator on its own (port DEITY_SIM_PORT, default 4004), talking to
 * Settle at SETTLE_URL (its client endpoints under DEITY_BASE_PATH, default /api) as the profile
 * DEITY_SERVICE_USER with DEITY_SERVICE_TOKEN, consuming its events from the broker at AMQP_URL. Customers come
 * back from the payment page to its return page, at DEITY_SIM_PUBLIC_URL (default its own address).
 * DEITY_ORDER_UPDATES=queue publishes its order updates to the broker instead of posting them.
 */
async function main() {
  const { api, deityShop: port } = localPorts();
  const sim = createDeityShopSimulator({
    settleUrl: process.env.SETTLE_URL ?? `http://127.0.0.1:${api}`,
    serviceUser: process.env.DEITY_SERVICE_USER ?? LOCAL_DEITY_PROFILE.serviceUser,
    serviceToken: process.env.DEITY_SERVICE_TOKEN ?? LOCAL_DEITY_PROFILE.serviceToken,
    amqpUrl: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    publicUrl: process.env.DEITY_SIM_PUBLIC_URL ?? `http://127.0.0.1:${port}`,
    ...(process.env.DEITY_BASE_PATH ? { basePath: process.env.DEITY_BASE_PATH } : {}),
    orderUpdates: process.env.DEITY_ORDER_UPDATES === 'queue' ? 'queue' : 'rest',
  });
  await sim.start();
  const running = await listen(sim.app, port);
  console.log(`Deity shop simulator on ${running.url} (orders: ${running.url}/_orders, queue ${sim.queue})`);
  const stop = () => void sim.stop().then(() => running.close().then(() => process.exit(0)));
  onStopSignals(stop);
}

void main();
