import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { freePort } from '../../config/server';
import { sendCapture } from '../helpers/momPayments';
import { runEntryPoint } from '../helpers/processes';
import { startSimulators, type SimulatorsForProcesses } from '../helpers/simulators';
import { createDevServerEnv, eventually } from '../helpers/temporal';
import { makeCertificates, startTlsFront, type TestCertificates, type Front } from '../helpers/fronts';

/**
 * The worker, the API and the `settle` command line reach a Temporal frontend served over TLS, and over
 * mutual TLS, from the SDK's environment configuration alone (TEMPORAL_TLS_* variables), with a throw-away
 * certificate authority made by openssl.
 */
describe('Temporal over TLS and mTLS, configured from the environment', () => {
  jest.setTimeout(240_000);
  let env: TestWorkflowEnvironment;
  let certificates: TestCertificates;
  let simulators: SimulatorsForProcesses;
  let apiPort: number;
  const fronts: Front[] = [];

  beforeAll(async () => {
    env = await createDevServerEnv();
    certificates = makeCertificates();
    apiPort = await freePort();
    simulators = await startSimulators(apiPort, { webhookDelayMs: 100 });
  });
  afterAll(async () => {
    for (const front of fronts) await front.close();
    await simulators?.stop();
    await env?.teardown();
  });

  const front = async (mutual: boolean) => {
    const started = await startTlsFront(certificates, env.address, { mutual });
    fronts.push(started);
    return started;
  };

  const capture = async (reference: string) => {
    const answer = await sendCapture(
      `http://127.0.0.1:${apiPort}`,
      simulators.env.MIB_INTAKE_SECRET!,
      reference,
    );
    expect(answer.status).toBe(200);
    return (answer.body as { result: { workflow_id: string } }).result.workflow_id;
  };

  const carryACapture = async (tlsEnv: NodeJS.ProcessEnv, reference: string, taskQueue: string) => {
    const settleEnv = { ...simulators.env, ...tlsEnv, TEMPORAL_TASK_QUEUE: taskQueue };
    const worker = runEntryPoint('worker/main.ts', settleEnv);
    const api = runEntryPoint('api/main.ts', settleEnv);
    try {
      await worker.waitFor('"message":"worker started"');
      await api.waitFor('"message":"API listening"');
      const workflowId = await capture(reference);
      await eventually(async () =>
        simulators.mibSim.notifications.find(
          (n) =>
            n.method.endsWith('.notify_captured') &&
            (n.params as { payment?: { reference?: string } }).payment?.reference === reference,
        ),
      );
      const cli = runEntryPoint('cli/main.ts', { PATH: process.env.PATH, ...tlsEnv }, [
        'payments',
        'show',
        workflowId,
      ]);
      expect(await cli.exited).toBe(0);
      expect(cli.output()).toContain(reference);
    } finally {
      expect(await worker.stop('SIGTERM')).toBe(0);
      expect(await api.stop('SIGTERM')).toBe(0);
    }
  };

  it('TLS: the server is verified against TEMPORAL_TLS_SERVER_CA_CERT_PATH', async () => {
    const tls = await front(false);
    await carryACapture(
      { TEMPORAL_ADDRESS: tls.address, TEMPORAL_TLS_SERVER_CA_CERT_PATH: certificates.caCert },
      'PAY-TLS-1',
      'tls',
    );
  });

  it('mTLS: the client presents TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH', async () => {
    const mtls = await front(true);
    const mtlsEnv = {
      TEMPORAL_ADDRESS: mtls.address,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: certificates.caCert,
      TEMPORAL_TLS_CLIENT_CERT_PATH: certificates.clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: certificates.clientKey,
    };
    await carryACapture(mtlsEnv, 'PAY-MTLS-1', 'mtls');

    // Without its client certificate the command line is refused, and says where it tried.
    const refused = runEntryPoint(
      'cli/main.ts',
      {
        PATH: process.env.PATH,
        TEMPORAL_ADDRESS: mtls.address,
        TEMPORAL_TLS_SERVER_CA_CERT_PATH: certificates.caCert,
      },
      ['payments', 'list'],
    );
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain(`Temporal not reachable at ${mtls.address} (TEMPORAL_ADDRESS)`);
  });
});
