import type { Command } from 'commander';
import { ConfigError, loadConfig } from '../config';
import { connectTemporal } from '../config/temporalConnection';
import { FRONT_DOORS, doorSectionsOf } from '../oms';
import type { DoorCliKit, FrontDoor } from '../oms/door';
import { EXIT, HelpShown, UsageError, exitCodeOf, settleCommand } from './command';
import { paymentsCommand } from './payments';
import { registerCommand } from './register';

/**
 * `settle <command> [options]`: the operator's command line. Each command lives in its own module; adding
 * one means adding it here. A front door brings its own commands (FrontDoor.commands).
 */
export function settleProgram(doors: readonly FrontDoor[] = FRONT_DOORS): Command {
  const program = settleCommand('settle', "Settle's command line")
    .usage('<command> [options]')
    .configureHelp({ subcommandTerm: (command) => command.name() })
    .addCommand(registerCommand(doors, (door) => doorCliKit(door, doors)))
    .addCommand(paymentsCommand(doorSectionsOf(doors)));
  for (const door of doors)
    for (const command of door.commands?.(doorCliKit(door, doors)) ?? []) program.addCommand(command);
  return program.addHelpText(
    'after',
    "\nRun 'settle <command> --help' for a command's options. Settle's settings come from the environment\n" +
      'and config/parameters.yml (docs/configuration.md); the exit code is 0 on success, 1 on failure, 2 for\n' +
      'a wrong command line.',
  );
}

/** A door's commands load Temporal's settings, Settle's public address and the door's own, and no others. */
function doorCliKit(door: FrontDoor, doors: readonly FrontDoor[]): DoorCliKit {
  const owners = ['temporal', 'public', ...(door.settings ? [door.settings.owner] : [])];
  return {
    loadConfig: () => loadConfig(undefined, { owners, doors: doorSectionsOf(doors) }),
    connectTemporal: (config) => connectTemporal(config as ReturnType<typeof loadConfig<'temporal'>>),
  };
}

/** Runs the command line (without `node` and the script) and resolves with the exit code. */
export async function runSettle(argv: string[], doors: readonly FrontDoor[] = FRONT_DOORS): Promise<number> {
  const program = settleProgram(doors);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCodeOf(program);
  } catch (error) {
    if (error instanceof HelpShown) return EXIT.ok;
    if (error instanceof UsageError) {
      // The usage of the command named first (`settle payments`), or of `settle` itself.
      const shown = topCommandOf(error.command ?? program);
      const label = shown === program ? 'settle' : `settle ${shown.name()}`;
      console.error(`${label}: ${error.message}\n\n${shown.helpInformation().trimEnd()}`);
      return EXIT.usage;
    }
    const message = (error as Error).message;
    console.error(error instanceof ConfigError ? message : `settle ${argv[0]}: ${message}`);
    return EXIT.failed;
  }
}

function topCommandOf(command: Command): Command {
  return command.parent?.parent ? topCommandOf(command.parent) : command;
}
