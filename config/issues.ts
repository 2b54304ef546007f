import type { z } from 'zod';
import { SETTINGS } from './catalogue';
import type { Setting } from './setting';

/**
 * One line per issue, naming the parameters.yml key and the variable, and where a bad value came from;
 * never the value.
 */
export function describeIssues(
  error: z.ZodError,
  values: Readonly<Record<string, string | undefined>> = {},
  origin: Readonly<Record<string, string | undefined>> = {},
  settings: Readonly<Record<string, Setting>> = SETTINGS,
): string {
  return error.issues
    .map((issue) => {
      const name = String(issue.path[0] ?? '');
      const label = labelOf(name, settings) ?? issue.path.join('.');
      if (values[name] === undefined && issue.code === 'invalid_type') return `  ${label}: required`;
      return `  ${label}: ${issue.message}${origin[name] ? ` (from ${origin[name]})` : ''}`;
    })
    .join('\n');
}

/** `service_bus.secret (SERVICE_BUS_SECRET)`, or undefined for a name that is no setting. */
export function labelOf(
  name: string,
  settings: Readonly<Record<string, Setting>> = SETTINGS,
): string | undefined {
  const setting = settings[name];
  return setting && `${setting.key} (${name})`;
}
