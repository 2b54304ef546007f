import { ConfigError } from '../../config/errors';
import type { DoorRegistration } from '../door';
import type { MibConfig } from './client';
import { MIB_PAYMENTS_CONTRACT } from './methods';
import { REGISTRATION_SCHEDULE_ID, registrationWorkflowId, type EndpointRegistration } from './registration';
import type { RegisterEndpointInput } from './workflows/registerEndpointMessages';

/** `settle register` (the default door): registers Settle's payment endpoint with MIB (workflow `registerEndpointWorkflow`). */
export const mibRegistration: DoorRegistration<MibConfig & { readonly PUBLIC_URL?: string }> = {
  oms: 'MIB',
  registers: "MIB's endpoint",
  about:
    "registers Settle's payment endpoint with MIB (magento.service_bus.remote.register to " +
    '<MIB_BASE_URL>/<MOM_CLIENT>/): id SERVICE_BUS_ENDPOINT_NAME, url <PUBLIC_URL>/mib, ' +
    `contracts ["${MIB_PAYMENTS_CONTRACT}"].`,
  scheduleId: REGISTRATION_SCHEDULE_ID,
  everySetting: 'MIB_REGISTER_EVERY',
  of(config) {
    if (!config.PUBLIC_URL) {
      throw new ConfigError(
        'PUBLIC_URL is not set: it is the base URL at which MIB reaches Settle; MIB is told <PUBLIC_URL>/mib',
      );
    }
    const input: RegisterEndpointInput = {
      endpointName: config.SERVICE_BUS_ENDPOINT_NAME,
      url: `${config.PUBLIC_URL}/mib`,
    };
    return {
      workflowType: 'registerEndpointWorkflow',
      workflowId: registrationWorkflowId(input.endpointName),
      scheduleId: REGISTRATION_SCHEDULE_ID,
      args: [input],
      summary: `register ${input.endpointName} → ${input.url} with MIB`,
      every: config.MIB_REGISTER_EVERY,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      describe: (registration) =>
        `registered with MIB: ${JSON.stringify(registration as EndpointRegistration)}`,
    };
  },
};
