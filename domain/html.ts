/**
 * HTML built from templates whose every interpolated value is escaped: the hosted payment page and the gateway
 * simulator's card form put provider ids and amounts into markup and never let one become markup.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

/** Markup already built by `html`, which a template takes as it is. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Value = string | number | SafeHtml | readonly SafeHtml[] | undefined;

/** A tagged template: strings and numbers are escaped, SafeHtml (and lists of it) kept, undefined left out. */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let text = strings[0]!;
  values.forEach((value, i) => {
    text += markup(value) + strings[i + 1]!;
  });
  return new SafeHtml(text);
}

function markup(value: Value): string {
  if (value === undefined) return '';
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map((part: SafeHtml) => part.text).join('');
  return escapeHtml(String(value));
}

/**
 * A value for an inline script, as JSON that cannot close the script element nor open a comment in it.
 */
export function scriptJson(value: unknown): SafeHtml {
  return new SafeHtml(
    JSON.stringify(value)
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029'),
  );
}
