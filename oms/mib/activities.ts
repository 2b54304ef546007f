import type { MibClient } from './client';
import { createRegisterEndpoint } from './registerEndpoint';

/** The MIB door's own activities, registered on the worker beside the core's. */
export function createMibActivities(mib: MibClient) {
  return { registerEndpoint: createRegisterEndpoint(mib) };
}
