import { Connection } from '@temporalio/client';

/**
 * Waits until the Temporal frontend at `address` answers GetSystemInfo: a server listens before its frontend
 * is healthy ("Frontend is not healthy yet"), and on a loaded machine the gap is seconds. Fails at once when
 * `exited()` says the server has stopped, and after `timeoutMs`, naming `what`.
 */
export async function untilServing(
  address: string,
  {
    what,
    exited = () => false,
    timeoutMs = 120_000,
  }: { what: string; exited?: () => boolean; timeoutMs?: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited()) throw new Error(`${what} exited at start`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch {
      if (Date.now() > deadline) throw new Error(`${what} did not serve on ${address}`);
      await new Promise((retry) => setTimeout(retry, 300));
    }
  }
}
