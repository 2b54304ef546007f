import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { EXIT, UsageError, declareUsage, runs, settleCommand } from '../../cli/command';
import type { DoorCliKit } from '../door';
import { deitySettingsOf, type DeityConfig } from './door';
import { changeMethod, effectiveMethods, methodChangesOf, methodKey } from './profileMethods';
import { deityMethodSchema, type DeityMethod, type DeityProfile } from './settings';

/**
 * `settle deity methods …`: the payment methods of a Deity shop profile, managed as Deity's `dcloud` does:
 * listed, added (or replaced) and removed over the ones DEITY_PROFILES configures. A change is kept in
 * Temporal (workflow `profile-methods:deity:<serviceUser>`) and reaches the API within seconds.
 */
type DeityCliKit = DoorCliKit<DeityConfig>;

export function deityCommand(kit: DeityCliKit): Command {
  const methods = settleCommand(
    'methods',
    "list, add and remove a shop profile's payment methods",
  ).helpCommand(false);
  for (const sub of [listMethods(kit), addMethod(kit), removeMethod(kit)]) methods.addCommand(sub);
  declareUsage(methods);
  const group = settleCommand(
    'deity',
    "Deity's Payment Orchestrator: the shop profiles' payment methods",
  ).helpCommand(false);
  group.addCommand(methods);
  return declareUsage(group);
}

const profileOption = [
  '--profile <serviceUser>',
  'the profile, as its serviceUser "org:project:env"',
] as const;

function listMethods(kit: DeityCliKit): Command {
  const command = settleCommand('list', 'the methods the profile offers now, configured and changed').option(
    ...profileOption,
  );
  declareUsage(command, { required: ['profile'] });
  return runs(command, (options: { profile?: string }) =>
    withProfile(kit, command, options.profile, async ({ profile, client }) => {
      const changes = await methodChangesOf(client, profile.serviceUser);
      const offered = effectiveMethods(profile.methods, changes);
      for (const method of offered) console.log(describe(method));
      if (offered.length === 0) console.log('no method');
      return EXIT.ok;
    }),
  );
}

function addMethod(kit: DeityCliKit): Command {
  const command = settleCommand('add', 'offer a method (or replace the one of that provider and name)')
    .option(...profileOption)
    .option('--provider <provider>', 'the provider: gateway, stripe, adyen')
    .option('--method <method>', "the method's name, e.g. card")
    .option('--currencies <EUR,USD>', 'the ISO 4217 currencies it takes (all when absent)')
    .option('--countries <DE,NL>', 'the ISO 3166 countries it takes (all when absent)')
    .option('--title <title>', 'the name shoppers see')
    .option('--disabled', 'configured but not offered')
    .option(
      '--sort-order <json>',
      'Deity\'s sortOrder, e.g. \'[{"countries":["NL"],"sortOrder":0}]\' (999 elsewhere)',
    )
    .option(
      '--surcharge <json>',
      'Deity\'s surcharge, e.g. \'[{"countries":["*"],"percentage":1.5,"fixed":[{"currency":"EUR","amount":2}]}]\'',
    )
    .option(
      '--min-max-amounts <json>',
      'Deity\'s minMaxAmounts in major units, e.g. \'[{"currency":"EUR","min":10,"max":500}]\'',
    )
    .option(
      '--config <json>',
      "what the shop's client-side component needs, as a JSON object (never a secret)",
    );
  declareUsage(command, { required: ['profile', 'provider', 'method'] });
  return runs(command, (options: AddOptions) =>
    withProfile(kit, command, options.profile, async ({ profile, client, taskQueue }) => {
      const method = methodFrom(command, options);
      await changeMethod(client, taskQueue, profile.serviceUser, methodKey(method), method);
      console.log(`${profile.serviceUser} offers ${describe(method)}`);
      return EXIT.ok;
    }),
  );
}

function removeMethod(kit: DeityCliKit): Command {
  const command = settleCommand('remove', 'withdraw a method, configured or added')
    .option(...profileOption)
    .option('--provider <provider>', 'its provider')
    .option('--method <method>', 'its name');
  declareUsage(command, { required: ['profile', 'provider', 'method'] });
  return runs(command, (options: { profile?: string; provider?: string; method?: string }) =>
    withProfile(kit, command, options.profile, async ({ profile, client, taskQueue }) => {
      if (!options.provider || !options.method)
        throw new UsageError('--provider and --method are needed', command);
      const key = methodKey({ provider: options.provider, method: options.method });
      await changeMethod(client, taskQueue, profile.serviceUser, key, undefined);
      console.log(`${profile.serviceUser} no longer offers ${key}`);
      return EXIT.ok;
    }),
  );
}

interface AddOptions {
  readonly profile?: string;
  readonly provider?: string;
  readonly method?: string;
  readonly currencies?: string;
  readonly countries?: string;
  readonly title?: string;
  readonly disabled?: boolean;
  readonly sortOrder?: string;
  readonly surcharge?: string;
  readonly minMaxAmounts?: string;
  readonly config?: string;
}

/** The option's JSON, parsed; a usage error naming the option when it is not JSON. */
function jsonOption(command: Command, name: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--${name} is not valid JSON`, command);
  }
}

/** The method the options describe, checked as DEITY_PROFILES' methods are; a usage error names what is wrong. */
function methodFrom(command: Command, options: AddOptions): DeityMethod {
  const list = (text: string | undefined) => text?.split(',').map((part) => part.trim());
  const json = {
    config: jsonOption(command, 'config', options.config),
    sortOrder: jsonOption(command, 'sort-order', options.sortOrder),
    surcharge: jsonOption(command, 'surcharge', options.surcharge),
    minMaxAmounts: jsonOption(command, 'min-max-amounts', options.minMaxAmounts),
  };
  const parsed = deityMethodSchema.safeParse({
    provider: options.provider,
    method: options.method,
    ...(options.disabled ? { enabled: false } : {}),
    ...(options.title !== undefined ? { title: options.title } : {}),
    ...(options.currencies ? { currencies: list(options.currencies) } : {}),
    ...(options.countries ? { countries: list(options.countries) } : {}),
    ...Object.fromEntries(Object.entries(json).filter(([, value]) => value !== undefined)),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const option = String(issue.path[0] ?? 'method').replace(
      /[A-Z]/g,
      (letter) => `-${letter.toLowerCase()}`,
    );
    const where = issue.path.length > 1 ? ` (${issue.path.slice(1).join('.')})` : '';
    throw new UsageError(
      `--${option === 'enabled' ? 'disabled' : option}${where}: ${issue.message}`,
      command,
    );
  }
  return parsed.data;
}

const describe = (method: DeityMethod) =>
  `${methodKey(method)}` +
  (method.enabled === false ? ' disabled' : '') +
  (method.title ? ` "${method.title}"` : '') +
  (method.currencies ? ` currencies ${method.currencies.join(',')}` : '') +
  (method.countries ? ` countries ${method.countries.join(',')}` : '') +
  (method.sortOrder ? ` sortOrder ${JSON.stringify(method.sortOrder)}` : '') +
  (method.surcharge ? ` surcharge ${JSON.stringify(method.surcharge)}` : '') +
  (method.minMaxAmounts ? ` minMaxAmounts ${JSON.stringify(method.minMaxAmounts)}` : '');

/** Runs `work` for a configured profile, on Temporal; an unknown profile fails with exit code 1. */
async function withProfile(
  kit: DeityCliKit,
  command: Command,
  serviceUser: string | undefined,
  work: (context: { profile: DeityProfile; client: Client; taskQueue: string }) => Promise<number>,
): Promise<number> {
  if (!serviceUser) throw new UsageError('--profile is needed', command);
  const config = kit.loadConfig();
  const profile = deitySettingsOf(config).profiles.get(serviceUser);
  if (!profile) {
    console.error(`settle deity: no profile "${serviceUser}" in DEITY_PROFILES`);
    return EXIT.failed;
  }
  const temporal = await kit.connectTemporal(config);
  try {
    return await work({ profile, client: temporal.client, taskQueue: config.TEMPORAL_TASK_QUEUE });
  } finally {
    await temporal.close();
  }
}
