import { localDefaults } from '../../config';
import { listen } from '../../config/server';
import { createSimulators } from '../../scripts/stack';
import type { GatewayControl, GatewaySimulator } from '../../sim/gateway/server';
import type { MibSimulator } from '../../sim/mib/server';

export interface SimulatorsForProcesses {
  readonly mibSim: MibSimulator;
  readonly gatewaySim: GatewaySimulator;
  /** Settle's settings for its processes: the local ones, pointed at the simulators, without a parameters file. */
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * The MIB and gateway simulators in the test process on free ports, for Settle's worker and API run as
 * processes, whose API will listen on `apiPort` (the gateway's webhooks go there).
 */
export async function startSimulators(
  apiPort: number,
  gateway: Partial<GatewayControl> = {},
): Promise<SimulatorsForProcesses> {
  const { mibSim, gatewaySim } = createSimulators(localDefaults(), {
    webhookUrl: `http://127.0.0.1:${apiPort}/webhooks/gateway`,
    ...gateway,
  });
  const servers = [await listen(mibSim.app, 0), await listen(gatewaySim.app, 0)];
  return {
    mibSim,
    gatewaySim,
    env: {
      PATH: process.env.PATH,
      // An empty parameters file: a developer's config/parameters.yml must not reach these processes.
      SETTLE_CONFIG_FILE: '/dev/null',
      ...localDefaults({ api: apiPort, mib: servers[0]!.port, gateway: servers[1]!.port }),
    },
    stop: async () => {
      gatewaySim.stop();
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}
