/** What the memo door's receipt workflow takes and gives, shared with the door's reporter and its command. */

export interface MemoReceiptInput {
  readonly ticket: string;
  readonly outcome: string;
}

export interface MemoReceipt extends MemoReceiptInput {
  readonly filed: true;
}

/** One receipt per ticket. */
export const receiptWorkflowId = (ticket: string) => `memo-receipt:${ticket}`;
