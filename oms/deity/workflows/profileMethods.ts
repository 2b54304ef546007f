import { condition, continueAsNew, setHandler } from '@temporalio/workflow';
import { continueAsNewDue, continueAsNewWhenDue } from '../../../workflows/continueAsNew';
import { changeMethodUpdate, methodChangesQuery, type MethodChanges } from './profileMethodsMessages';

/**
 * A shop profile's method changes made by an operator, kept for as long as the profile is served: each change
 * replaces what was said of its key before. Queried by the API, changed by `settle deity methods`.
 */
export async function profileMethodsWorkflow(carried?: MethodChanges): Promise<void> {
  let added: Record<string, unknown> = { ...(carried?.added ?? {}) };
  let removed = new Set(carried?.removed ?? []);
  const changes = (): MethodChanges => ({ added, removed: [...removed] });

  setHandler(changeMethodUpdate, ({ key, method }) => {
    if (method === undefined) {
      const { [key]: _gone, ...rest } = added;
      added = rest;
      removed.add(key);
    } else {
      added = { ...added, [key]: method };
      removed = new Set([...removed].filter((other) => other !== key));
    }
    return changes();
  });
  setHandler(methodChangesQuery, changes);

  await condition(() => continueAsNewDue());
  await continueAsNewWhenDue(() => continueAsNew<typeof profileMethodsWorkflow>(changes()));
}
