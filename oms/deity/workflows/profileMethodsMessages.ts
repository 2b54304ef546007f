import { defineQuery, defineUpdate } from '@temporalio/workflow';

/**
 * An operator's changes to a shop profile's payment methods (`settle deity methods`), over the ones its
 * configuration lists: methods added (or replaced) by key, and keys removed. The messages of
 * profileMethods.ts beside this file, defined once for the workflow, the door and the command line.
 */

/** A method as the door declares it (oms/deity/settings.ts); opaque here. */
export interface MethodChange {
  /** `<provider>/<method>`. */
  readonly key: string;
  /** The method to offer under the key; absent: the key is withdrawn. */
  readonly method?: unknown;
}

export interface MethodChanges {
  readonly added: Readonly<Record<string, unknown>>;
  readonly removed: readonly string[];
}

export const changeMethodUpdate = defineUpdate<MethodChanges, [MethodChange]>('changeMethod');
export const methodChangesQuery = defineQuery<MethodChanges>('methodChanges');
