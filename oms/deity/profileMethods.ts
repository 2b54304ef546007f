import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import {
  changeMethodUpdate,
  methodChangesQuery,
  type MethodChanges,
} from './workflows/profileMethodsMessages';
import { deityMethodSchema, type DeityMethod, type DeityProfile } from './settings';

/** The workflow type, by name: the API and the command line need not load workflow code. */
const PROFILE_METHODS_WORKFLOW = 'profileMethodsWorkflow';

/** The workflow that keeps an operator's changes to a profile's methods. */
export const profileMethodsId = (serviceUser: string) => `profile-methods:deity:${serviceUser}`;

export const methodKey = ({ provider, method }: Pick<DeityMethod, 'provider' | 'method'>) =>
  `${provider}/${method}`;

/** The operator's changes; none for a profile never changed. */
export async function methodChangesOf(temporal: Client, serviceUser: string): Promise<MethodChanges> {
  try {
    return await temporal.workflow.getHandle(profileMethodsId(serviceUser)).query(methodChangesQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { added: {}, removed: [] };
    throw error;
  }
}

/** The methods a profile offers: its configured ones, with the operator's changes over them. */
export function effectiveMethods(configured: readonly DeityMethod[], changes: MethodChanges): DeityMethod[] {
  const byKey = new Map(configured.map((method) => [methodKey(method), method]));
  for (const key of changes.removed) byKey.delete(key);
  for (const [key, method] of Object.entries(changes.added)) {
    // What an older Settle stored and this one cannot read is left out, not offered half-understood.
    const parsed = deityMethodSchema.safeParse(method);
    if (parsed.success) byKey.set(key, parsed.data);
  }
  return [...byKey.values()];
}

/** Adds (or replaces) a method of a profile, or withdraws one (`method` undefined); answers the changes. */
export function changeMethod(
  temporal: Client,
  taskQueue: string,
  serviceUser: string,
  key: string,
  method: DeityMethod | undefined,
): Promise<MethodChanges> {
  return temporal.workflow.executeUpdateWithStart(changeMethodUpdate, {
    args: [{ key, ...(method ? { method } : {}) }],
    startWorkflowOperation: new WithStartWorkflowOperation(PROFILE_METHODS_WORKFLOW, {
      workflowId: profileMethodsId(serviceUser),
      taskQueue,
      args: [],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      staticSummary: `payment methods of the Deity profile ${serviceUser}, as operators changed them`,
    }),
  });
}

/**
 * The profile with the methods it offers now. A query per call would wait for Temporal on every method list,
 * so what was read is used for a few seconds: a change shows within METHODS_FRESH_MS.
 */
export function methodsReader(temporal: Client) {
  const seen = new Map<string, { at: number; changes: MethodChanges }>();
  return async (profile: DeityProfile): Promise<DeityProfile> => {
    const cached = seen.get(profile.serviceUser);
    const changes =
      cached && Date.now() - cached.at < METHODS_FRESH_MS
        ? cached.changes
        : await methodChangesOf(temporal, profile.serviceUser);
    seen.set(profile.serviceUser, { at: cached?.changes === changes ? cached.at : Date.now(), changes });
    return { ...profile, methods: effectiveMethods(profile.methods, changes) };
  };
}

export const METHODS_FRESH_MS = 5000;
