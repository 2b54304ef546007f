// The Spryker door's workflows, which the worker's bundle takes beside the core's (FrontDoor.workflows).
export { mailboxWorkflow } from './mailbox';
export { announcePaymentMethodsWorkflow } from './announcePaymentMethods';
export { sprykerTenantWorkflow } from './tenant';
export { sprykerDroppedMessageWorkflow } from './droppedMessage';
