import { listen } from '../../config/server';
import { localDefaults, localPorts } from '../../config';
import { createGatewaySimulator } from './server';
import { onStopSignals } from '../../config/stopSignals';

/** `npm run sim:gateway`: the gateway simulator on its own (port GATEWAY_SIM_PORT, default 4002). */
async function main() {
  const defaults = localDefaults(localPorts());
  const sim = createGatewaySimulator({
    apiKey: process.env.GATEWAY_API_KEY ?? defaults.GATEWAY_API_KEY,
    webhookSecret: process.env.GATEWAY_WEBHOOK_SECRET ?? defaults.GATEWAY_WEBHOOK_SECRET,
    control: {
      webhookUrl: process.env.GATEWAY_WEBHOOK_URL ?? `http://127.0.0.1:${localPorts().api}/webhooks/gateway`,
      webhookDelayMs: Number(process.env.GATEWAY_WEBHOOK_DELAY_MS ?? 2000),
    },
  });
  const running = await listen(sim.app, localPorts().gateway);
  console.log(`gateway simulator on ${running.url} (control: ${running.url}/_control)`);
  const stop = () => {
    sim.stop();
    void running.close().then(() => process.exit(0));
  };
  onStopSignals(stop);
}

void main();
