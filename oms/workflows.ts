// The workflow bundle's entry point: every workflow the worker runs, the core's (workflows/) and each front
// door's own (oms/<door>/workflows/). A door's workflows are exported here under their own names, which
// their histories carry.
export * from '../workflows';
export { registerEndpointWorkflow } from './mib/workflows/registerEndpoint';
export { mailboxWorkflow } from './spryker/workflows/mailbox';
export { announcePaymentMethodsWorkflow } from './spryker/workflows/announcePaymentMethods';
export { profileMethodsWorkflow } from './deity/workflows/profileMethods';
