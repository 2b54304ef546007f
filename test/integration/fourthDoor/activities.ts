import type { ReportRequest } from '../../../oms/door';
import type { MemoReplyContext } from './routes';
import type { MemoReceipt, MemoReceiptInput } from './workflows/receiptMessages';

/** What the door's reporter was told. */
export const heardReports: ReportRequest<MemoReplyContext>[] = [];

/** The receipts the door filed, in the worker's memory (the test's process). */
export const filedReceipts: MemoReceipt[] = [];

export function createMemoActivities() {
  return {
    async fileMemoReceipt(input: MemoReceiptInput): Promise<MemoReceipt> {
      const receipt = { ...input, filed: true as const };
      if (!filedReceipts.some((filed) => filed.ticket === input.ticket)) filedReceipts.push(receipt);
      return receipt;
    },
  };
}

export type MemoActivities = ReturnType<typeof createMemoActivities>;
