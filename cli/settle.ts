import { ConfigError } from '../config';
import { EXIT, UsageError, type Command } from './command';
import { paymentsCommand } from './payments';
import { registerCommand } from './register';

/**
 * `settle <command> [options]`: the operator's command line. Each command lives in its own module; adding
 * one (e.g. `settle payments …`) means adding it to COMMANDS.
 */
const COMMANDS: Readonly<Record<string, Command>> = {
  register: registerCommand,
  payments: paymentsCommand,
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: settle <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    "Run 'settle <command> --help' for a command's options. Settle's settings come from the environment",
    '(see the README); the exit code is 0 on success, 1 on failure, 2 for a wrong command line.',
  ].join('\n');
}

/** Runs the command line (without `node` and the script) and resolves with the exit code. */
export async function runSettle(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return EXIT.ok;
  }
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    console.error(
      `${name === undefined ? 'settle: no command given' : `settle: unknown command "${name}"`}\n`,
    );
    console.error(usage());
    return EXIT.usage;
  }
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`settle ${name}: ${error.message}\n\n${command.usage}`);
      return EXIT.usage;
    }
    console.error(
      error instanceof ConfigError ? error.message : `settle ${name}: ${(error as Error).message}`,
    );
    return EXIT.failed;
  }
}
