import { parseArgs, type ParseArgsConfig } from 'node:util';

/** What every `settle` subcommand is: a name in cli/settle.ts, a summary, a usage text and a run function. */
export interface Command {
  /** One line for `settle --help`. */
  readonly summary: string;
  /** The full text for `settle <command> --help` and after a usage error. */
  readonly usage: string;
  /** Runs with the arguments after the command's name; resolves with the exit code. */
  run(args: string[]): Promise<number>;
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The command line itself is wrong: `settle` prints the command's usage and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node's util.parseArgs, strict (unknown options and positional arguments are errors), with `-h/--help`
 * added to every command; its errors become UsageErrors.
 */
export function parseOptions<O extends Options>(args: string[], options: O) {
  return parseCommandLine(args, options, false).values;
}

/** The same, with positional arguments allowed (the command checks how many it got). */
export function parseOptionsAndArguments<O extends Options>(args: string[], options: O) {
  return parseCommandLine(args, options, true);
}

function parseCommandLine<O extends Options>(args: string[], options: O, allowPositionals: boolean) {
  const all = { ...options, help: { type: 'boolean', short: 'h' } } as const;
  try {
    return parseArgs({ args, options: all, strict: true, allowPositionals });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('ERR_PARSE_ARGS_')) throw new UsageError((error as Error).message);
    throw error;
  }
}
