// The core's workflows; the bundle's entry, beside the door list, adds each front door's own.
export { paymentCommandWorkflow } from './paymentCommand';
export { paymentTurnWorkflow } from './paymentTurn';
export { orderPaymentWorkflow } from './orderPayment';
