import { proxyActivities } from '@temporalio/workflow';
import type { Activities, RegisterEndpointInput } from '../activities';
import type { EndpointRegistration } from '../oms/mib/registration';
import { OMS_RETRY } from './retryPolicies';

const { registerEndpoint } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: OMS_RETRY,
});

/**
 * `magento.service_bus.remote.register` for Settle's payment endpoint, as a workflow so that failures retry
 * and show in the Web UI. Started by `settle register` and by the registration schedule; returns what MIB
 * accepted.
 */
export async function registerEndpointWorkflow(input: RegisterEndpointInput): Promise<EndpointRegistration> {
  return registerEndpoint(input);
}
