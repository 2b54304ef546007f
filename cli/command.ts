import { Command, CommanderError, type Option } from 'commander';

/**
 * What every `settle` command is built on: a commander Command whose help, usage line and refusals come
 * from its declared arguments and options. Parsing never exits the process: a wrong command line becomes a
 * UsageError (exit code 2), `--help` a HelpShown (exit code 0).
 */

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The command line itself is wrong: `settle` prints the command's usage and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** The command whose command line is wrong. */
    readonly command?: Command,
  ) {
    super(message);
  }
}

/** `--help` (or `settle help`) printed the help: exit code 0. */
export class HelpShown extends Error {
  override readonly name = 'HelpShown';
}

/** A command of `settle`, strict about its command line; `run` resolves with the exit code. */
export function settleCommand(name: string, summary: string): Command {
  const command = new Command(name)
    .summary(summary)
    .description(summary)
    .helpOption('-h, --help', 'this text')
    .allowExcessArguments(false)
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined })
    .exitOverride((error) => {
      throw refusal(command, error);
    });
  return command;
}

/** The action of a command: resolves with the exit code, which `settle` exits with. */
export function runs<A extends unknown[]>(command: Command, run: (...args: A) => Promise<number>): Command {
  return command.action(async (...args: unknown[]) => {
    exitCodes.set(rootOf(command), await run(...(args as A)));
  });
}

/** By program: the exit code of the command that ran. */
const exitCodes = new WeakMap<Command, number>();

/** The exit code of the command that ran, once the program's `parseAsync` has resolved. */
export function exitCodeOf(program: Command): number {
  return exitCodes.get(program) ?? EXIT.ok;
}

export function rootOf(command: Command): Command {
  return command.parent ? rootOf(command.parent) : command;
}

/** commander's error for a wrong command line, as Settle words it. */
function refusal(command: Command, error: CommanderError): Error {
  const declared = command.registeredArguments;
  switch (error.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return new HelpShown(error.message);
    case 'commander.help':
      // Help asked for (`settle help`), or shown as the answer to a group without its subcommand.
      if (error.exitCode === 0) return new HelpShown(error.message);
      return new UsageError(command.parent ? 'no subcommand given' : 'no command given', command);
    case 'commander.unknownCommand':
      return new UsageError(
        `unknown ${command.parent ? 'subcommand' : 'command'} "${command.args[0] ?? ''}"`,
        command,
      );
    case 'commander.missingArgument':
      return new UsageError(`the ${declared[command.args.length]?.name() ?? 'argument'} is missing`, command);
    case 'commander.excessArguments':
      return new UsageError(`unexpected argument "${command.args[declared.length] ?? ''}"`, command);
    default: {
      // "error: unknown option '--evry'" → "Unknown option '--evry'"
      const message = error.message.replace(/^error: /, '');
      return new UsageError(message.charAt(0).toUpperCase() + message.slice(1), command);
    }
  }
}

export interface UsageShape {
  /** Options of which one at most is given, written `[--a | --b]`. */
  readonly alternatives?: readonly (readonly string[])[];
  /** Options the action requires (commander's mandatory ones are required too). */
  readonly required?: readonly string[];
}

/**
 * Sets the usage line from what the command declares: for a group its subcommands as `<a | b>`, its
 * arguments, then its options (optional ones in brackets).
 */
export function declareUsage(
  command: Command,
  { alternatives = [], required = [] }: UsageShape = {},
): Command {
  const options = command.options.filter((option) => option.long !== '--help');
  const term = (option: Option) => {
    const value = option.flags.match(/[<[](.*)[>\]]$/)?.[1];
    // `--outcome <settled|declined>` reads better as `--outcome settled|declined`.
    return value === undefined
      ? option.long!
      : `${option.long} ${value.includes('|') ? value : `<${value}>`}`;
  };
  const parts: string[] = [];
  const subcommands = command.commands.filter((sub) => sub.name() !== 'help');
  if (subcommands.length > 0) parts.push(`<${subcommands.map((sub) => sub.name()).join(' | ')}>`);
  for (const argument of command.registeredArguments)
    parts.push(argument.required ? `<${argument.name()}>` : `[${argument.name()}]`);
  const grouped = new Set<string>();
  for (const option of options) {
    const name = option.attributeName();
    if (grouped.has(name)) continue;
    const group = alternatives.find((names) => names.includes(name)) ?? [name];
    group.forEach((member) => grouped.add(member));
    const members = group.map((member) => options.find((o) => o.attributeName() === member)!);
    const text = members.map(term).join(' | ');
    const mandatory = option.mandatory || required.includes(name);
    parts.push(mandatory && group.length === 1 ? text : `[${text}]`);
  }
  return command.usage(parts.join(' '));
}
