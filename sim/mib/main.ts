import { listen } from '../../config/server';
import { localDefaults, localPorts } from '../../config';
import { createMibSimulator } from './server';
import { onStopSignals } from '../../config/stopSignals';

/** `npm run sim:mib`: the MIB simulator on its own (port MIB_SIM_PORT, default 4001). */
async function main() {
  const defaults = localDefaults(localPorts());
  const sim = createMibSimulator({
    clientId: process.env.MOM_CLIENT ?? defaults.MOM_CLIENT,
    clientSecret: process.env.SERVICE_BUS_SECRET ?? defaults.SERVICE_BUS_SECRET,
  });
  const running = await listen(sim.app, localPorts().mib);
  console.log(`MIB simulator on ${running.url} (notifications: ${running.url}/notifications)`);
  const stop = () => void running.close().then(() => process.exit(0));
  onStopSignals(stop);
}

void main();
