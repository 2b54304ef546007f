// The workflow bundle's entry point: every workflow the worker runs.
export { paymentCommandWorkflow } from './paymentCommand';
export { paymentTurnWorkflow } from './paymentTurn';
export { registerEndpointWorkflow } from './registerEndpoint';
export { orderPaymentWorkflow } from './orderPayment';
export { mailboxWorkflow } from './mailbox';
export { announcePaymentMethodsWorkflow } from './announcePaymentMethods';
export { profileMethodsWorkflow } from './profileMethods';
