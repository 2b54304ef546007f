// The memo door's workflow, which the worker's bundle takes beside the core's (FrontDoor.workflows).
export { memoReceiptWorkflow } from './receipt';
