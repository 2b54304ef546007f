import { ReportRefusedError } from '../../domain/failures';
import type { Reporter } from '../door';
import { MibRejectedError, type MibClient } from './client';
import { isMibCommand, notificationMethod } from './methods';
import { buildNotification } from './notification';
import type { MibReplyContext } from './payment';

/** Reports an outcome to MIB as the command's notification (notify_captured, notify_capture_failed, …). */
export function createMibReporter(mib: MibClient): Reporter<MibReplyContext> {
  return {
    async report({ reportId, command, context: { payment }, result }) {
      // Never so for a command MIB sent; were it so, no retry would mend it.
      if (!isMibCommand(command)) throw new ReportRefusedError(`MIB has no notification for an ${command}`);
      const method = notificationMethod(command, result.outcome === 'settled');
      try {
        // One notification id per command run and method, the same on every retry: MIB drops a redelivery.
        await mib.notify(buildNotification(`${reportId}:${method}`, method, payment, result));
      } catch (error) {
        if (error instanceof MibRejectedError) {
          throw new ReportRefusedError(`MIB refused the notification: ${error.message}`);
        }
        throw error;
      }
      return method;
    },
  };
}
