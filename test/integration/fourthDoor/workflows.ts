// The bundle's entry with the memo door: Settle's workflows and the door's own.
export * from '../../../oms/workflows';
export { memoReceiptWorkflow } from './workflows/receipt';
