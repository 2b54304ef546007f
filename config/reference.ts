import { join } from 'node:path';
import { PROVIDERS } from '../providers';
import { catalogueOf } from './catalogue';
import { PROJECT_ROOT } from './projectRoot';
import type { Section, Setting } from './setting';
import { usesWithDoors } from './uses';

/**
 * config/parameters.yml.dist and docs/configuration.md, made from the settings' declarations, the core's and
 * those of the front doors given (`npm run docs:config` writes them; a unit test fails when the committed
 * ones differ).
 */

export const PARAMETERS_DIST_FILE = join(PROJECT_ROOT, 'config', 'parameters.yml.dist');
export const REFERENCE_FILE = join(PROJECT_ROOT, 'docs', 'configuration.md');

const isProvider = (section: Section) => (PROVIDERS as readonly Section[]).includes(section);

/** What applies while the setting is unset, in words. */
function unsetText(setting: Setting, section: Section): string {
  if (setting.default !== undefined) return `Default: ${setting.default}.`;
  if (setting.required)
    return isProvider(section) ? `Required while ${section.owner} serves payments.` : 'Required.';
  return setting.unset ? `Default: ${setting.unset}.` : 'Default: none.';
}

/** Words wrapped into lines of at most `width` characters, each starting with `prefix`. */
function wrap(text: string, prefix: string, width = 110): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, prefix + line].map((wrapped) => wrapped.replaceAll('\u00a0', ' '));
}

export function parametersDist(doors: readonly Section[]): string {
  const lines = [
    "# Settle's configuration. Copy this file to config/parameters.yml (git-ignored: it holds secrets) and fill in",
    '# the values, or set the environment variable named for each key, which wins over the file.',
    '# SETTLE_CONFIG_FILE=/path/to/file.yml reads another file instead (it must exist).',
    '# A key left empty (or ~) is unset, as is an empty environment variable: its default applies, and a required',
    '# key without a value stops start-up with a message naming the key and its variable. Unknown keys are an',
    '# error. docs/configuration.md says which process reads which keys. Made by `npm run docs:config` from the',
    '# declarations of the settings.',
    '',
    'parameters:',
  ];
  for (const section of catalogueOf(doors)) {
    lines.push(`  # --- ${section.title} ---`);
    if (section.about) lines.push(...wrap(section.about, '  # '));
    for (const [name, setting] of Object.entries<Setting>(section.settings)) {
      // "Env NAME." stays on one line, where a reader (and the tests) look for it.
      const comment = `${setting.description} Env\u00a0${name}. ${unsetText(setting, section)}`;
      lines.push('', ...wrap(comment, '  # '), `  ${setting.key}: ${setting.default ?? '~'}`);
    }
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Markdown text: `<` outside code spans would be read as HTML, `|` would end a table cell. */
function markdown(text: string): string {
  return text
    .split('`')
    .map((part, i) => (i % 2 === 1 ? part : part.replaceAll('<', '&lt;')))
    .join('`')
    .replaceAll('|', '\\|');
}

export function configurationReference(doors: readonly Section[]): string {
  const sections = catalogueOf(doors);
  const titleOf = (owner: string) =>
    owner === 'providers'
      ? 'payment providers (each one that serves payments)'
      : owner === 'doors'
        ? doors.map((door) => door.title).join(', ')
        : sections.find((section) => section.owner === owner)!.title;
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Made by `npm run docs:config` from the declarations of the settings; edit those, not this file. -->',
    '',
    'Settle reads its settings from `config/parameters.yml` (copy `config/parameters.yml.dist`, which lists',
    'every key) and from environment variables, which win over the file. `SETTLE_CONFIG_FILE` names another',
    'file, which must then exist. Each setting has one key in the file and one environment variable.',
    '',
    'Settings are checked when a process starts: a missing or malformed one stops it with a message that names',
    'the key and the variable (never the value). A key left empty or `~`, like an empty environment variable, is',
    'unset; an unknown key is an error.',
    'Secrets are masked in every log line.',
    '',
    '## Which process reads which settings',
    '',
    'Each process loads only the parts it uses: their settings are checked, the others ignored.',
    '',
    ...table(
      ['Process', 'Parts'],
      Object.entries(usesWithDoors(doors)).map(([process, owners]) => [
        `\`${process}\``,
        owners.map(titleOf).join(', '),
      ]),
    ),
    '',
    '`npm start` runs all of them in one process, with the local defaults (the simulators, development',
    'secrets) beneath the environment.',
  ];
  for (const section of sections) {
    lines.push('', `## ${section.title}`, '');
    if (section.about) lines.push(markdown(section.about), '');
    const rows = Object.entries<Setting>(section.settings).map(([name, setting]) => {
      const unset =
        setting.default !== undefined
          ? `\`${setting.default}\``
          : setting.required
            ? isProvider(section)
              ? 'required while it serves payments'
              : 'required'
            : markdown(setting.unset ?? 'none');
      const description = markdown(setting.description) + (setting.secret ? ' Secret.' : '');
      return [`\`${setting.key}\``, `\`${name}\``, unset, description];
    });
    lines.push(...table(['Key', 'Variable', 'When unset', 'Description'], rows));
  }
  return `${lines.join('\n')}\n`;
}

/** Both files as they are committed. */
export function generatedFiles(doors: readonly Section[]): { file: string; text: string }[] {
  return [
    { file: PARAMETERS_DIST_FILE, text: parametersDist(doors) },
    { file: REFERENCE_FILE, text: configurationReference(doors) },
  ];
}

/** A Markdown table with its columns padded, as prettier writes it. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, i) => Math.max(3, title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}
