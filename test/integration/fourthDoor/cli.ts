import type { Command } from 'commander';
import { EXIT, declareUsage, runs, settleCommand } from '../../../cli/command';
import type { DoorCliKit } from '../../../oms/door';
import { receiptWorkflowId, type MemoReceipt } from './workflows/receiptMessages';

/** `settle memo receipt <ticket>`: the receipt the door filed for a ticket, once it is filed. */
export function memoCommand(kit: DoorCliKit): Command {
  const receipt = settleCommand('receipt', "a ticket's receipt").argument('<ticket>');
  runs(receipt, async (ticket: string) => {
    const config = kit.loadConfig();
    const temporal = await kit.connectTemporal(config);
    try {
      const filed: MemoReceipt = await temporal.client.workflow.getHandle(receiptWorkflowId(ticket)).result();
      console.log(JSON.stringify(filed));
      return EXIT.ok;
    } finally {
      await temporal.close();
    }
  });
  return declareUsage(settleCommand('memo', 'the memo door').helpCommand(false).addCommand(receipt));
}
