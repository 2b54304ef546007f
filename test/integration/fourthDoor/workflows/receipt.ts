import { proxyActivities } from '@temporalio/workflow';
import type { MemoActivities } from '../activities';
import type { MemoReceipt, MemoReceiptInput } from './receiptMessages';

const { fileMemoReceipt } = proxyActivities<MemoActivities>({ startToCloseTimeout: '1 minute' });

/** Files the receipt of a ticket's outcome through the door's own activity. */
export async function memoReceiptWorkflow(input: MemoReceiptInput): Promise<MemoReceipt> {
  return fileMemoReceipt(input);
}
