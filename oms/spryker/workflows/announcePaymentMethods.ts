import { proxyActivities } from '@temporalio/workflow';
import type { Announcement, SprykerActivities } from '../announce';
import { OMS_RETRY } from '../../../workflows/retryPolicies';

const { announceSprykerPaymentMethods } = proxyActivities<SprykerActivities>({
  startToCloseTimeout: '1 minute',
  retry: OMS_RETRY,
});

/**
 * Announces Settle's payment methods to every Spryker tenant (AddPaymentMethod, and DeletePaymentMethod for
 * methods no longer configured), as a workflow so that failures retry and show in the Web UI. Started by
 * `settle register --door spryker` and by its schedule.
 */
export async function announcePaymentMethodsWorkflow(): Promise<Announcement[]> {
  return announceSprykerPaymentMethods();
}
