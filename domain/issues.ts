import type { z } from 'zod';

/** One refused field of an input: where it is (e.g. `params.payment.currency`) and what is wrong with it. */
export interface InputIssue {
  readonly path: string;
  readonly message: string;
}

/** A zod error as the input issues every refusal lists, each path under `root`. */
export function issuesOf(error: z.ZodError, root: string): InputIssue[] {
  return error.issues.map((issue) => ({
    path: [root, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}
