import { Context } from '@temporalio/activity';
import type { MibClient } from './client';
import { paymentEndpointRegistration, type EndpointRegistration } from './registration';
import { failFastOnMibRejection } from './failures';
import type { RegisterEndpointInput } from './workflows/registerEndpointMessages';

export type { RegisterEndpointInput };

/** `registerEndpoint`: tells MIB where Settle takes the payments contract's commands. */
export function createRegisterEndpoint(mib: MibClient) {
  // Registering the same endpoint again only confirms it, so Temporal's retries are safe.
  return async function registerEndpoint({
    endpointName,
    url,
  }: RegisterEndpointInput): Promise<EndpointRegistration> {
    const registration = paymentEndpointRegistration(endpointName, url);
    // One JSON-RPC id per workflow run, the same on every attempt.
    const { workflowExecution: run, activityId } = Context.current().info;
    const requestId = run ? `${run.workflowId}:${run.runId}` : activityId;
    await failFastOnMibRejection(() => mib.register(registration, requestId));
    Context.current().log.info('registered the endpoint with MIB', { ...registration });
    return registration;
  };
}
