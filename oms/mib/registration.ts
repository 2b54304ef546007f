import { z } from 'zod';
import { MIB_PAYMENTS_CONTRACT } from './methods';

/**
 * `magento.service_bus.remote.register`, the message that tells MIB where to forward the commands of an
 * endpoint (seed 001): sent to `<mib base>/<client_id>/` with exactly `{id, url, contracts}`. Settle
 * registers one endpoint, for the payments contract.
 */

export const REGISTER_METHOD = 'magento.service_bus.remote.register';

export const endpointRegistrationSchema = z
  .object({
    /** The endpoint name agreed with Magento, e.g. `custom-payment`. */
    id: z.string().min(1),
    /** Where MIB forwards the endpoint's commands: Settle's `POST /mib`. */
    url: z.url({ protocol: /^https?$/ }),
    contracts: z.array(z.string().min(1)).min(1),
  })
  .strict();

export type EndpointRegistration = z.infer<typeof endpointRegistrationSchema>;

/** The registration of Settle's payment endpoint: its name, its intake URL, the payments contract. */
export function paymentEndpointRegistration(endpointName: string, url: string): EndpointRegistration {
  return { id: endpointName, url, contracts: [MIB_PAYMENTS_CONTRACT] };
}

/** The one-off registration of an endpoint (`settle register`): one run at a time per endpoint. */
export function registrationWorkflowId(endpointName: string): string {
  return `settle-register:${endpointName}`;
}

/** The Temporal Schedule that re-registers the endpoint (`settle register --every`). */
export const REGISTRATION_SCHEDULE_ID = 'settle-register-endpoint';
