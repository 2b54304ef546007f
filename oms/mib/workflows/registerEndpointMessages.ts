/**
 * What the registration workflow (registerEndpoint.ts), its activity (oms/mib/registerEndpoint.ts) and the
 * command line share.
 */

export interface RegisterEndpointInput {
  /** The endpoint name agreed with Magento (SERVICE_BUS_ENDPOINT_NAME). */
  readonly endpointName: string;
  /** Where MIB is to forward the commands: `<PUBLIC_URL>/mib`. */
  readonly url: string;
}

/**
 * The failure type of MIB refusing a request (registration) with a 4xx other than 401/408/429, or a JSON-RPC
 * error: retrying cannot mend it (oms/mib/failures.ts raises it).
 */
export const MIB_REJECTED = 'MibRejected';
