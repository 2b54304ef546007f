// The workflow bundle's entry point: every workflow the worker runs.
export { paymentCommandWorkflow } from './paymentCommand';
export { paymentLockWorkflow } from './paymentLock';
export { registerEndpointWorkflow } from './registerEndpoint';
export { paymentActWorkflow } from './paymentAct';
