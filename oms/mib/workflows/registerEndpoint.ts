import { proxyActivities } from '@temporalio/workflow';
import { omsRetry } from '../../../workflows/retryPolicies';
import type { createMibActivities } from '../activities';
import type { EndpointRegistration } from '../registration';
import { MIB_REJECTED, type RegisterEndpointInput } from './registerEndpointMessages';

const { registerEndpoint } = proxyActivities<ReturnType<typeof createMibActivities>>({
  startToCloseTimeout: '1 minute',
  // MIB refusing the registration itself fails it at once, visibly in the Web UI.
  retry: omsRetry(MIB_REJECTED),
});

/**
 * `magento.service_bus.remote.register` for Settle's payment endpoint, as a workflow so that failures retry
 * and show in the Web UI. Started by `settle register` and by the registration schedule; returns what MIB
 * accepted.
 */
export async function registerEndpointWorkflow(input: RegisterEndpointInput): Promise<EndpointRegistration> {
  return registerEndpoint(input);
}
