/**
 * The argument layer of both bins: each command describes its options once, and that description
 * drives `node:util` `parseArgs`, the `--help` text and the usage shown with a usage error.
 */
import { parseArgs } from 'node:util';

/** Bad usage or input: the CLI prints the message (and no stack) and exits 2. */
export class UsageError extends Error {}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly default?: string | boolean;
  readonly multiple?: true;
  /** The placeholder shown in help, e.g. `file` in `--registry <file>`. */
  readonly value?: string;
  readonly description: string;
}

export interface CommandSpec<O extends Readonly<Record<string, OptionSpec>> = Readonly<Record<string, OptionSpec>>> {
  /** As typed, e.g. `modelflags check` or `remove-flag`. */
  readonly name: string;
  /** What goes after the name and before the options, e.g. `<flag> [paths...]`; absent for none. */
  readonly positionals?: string;
  readonly summary: string;
  readonly options: O;
  readonly examples: readonly string[];
  /** Extra paragraphs after the options (defaults, exit codes). */
  readonly notes?: string;
}

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean'
  ? boolean
  : S extends { multiple: true }
    ? string[]
    : string;
export type ParsedValues<O extends Readonly<Record<string, OptionSpec>>> = {
  -readonly [K in keyof O]: O[K] extends { default: string | boolean } ? ValueOf<O[K]> : ValueOf<O[K]> | undefined;
};

export type Parsed<O extends Readonly<Record<string, OptionSpec>>> =
  { help: true } | { help: false; values: ParsedValues<O>; positionals: string[] };

const HELP: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help' };

/**
 * Parses `argv` against the command's options, plus `--help`/`-h` on every command. A usage error
 * is one line naming the problem, then the command's usage line.
 */
export function parseCommand<O extends Readonly<Record<string, OptionSpec>>>(
  spec: CommandSpec<O>,
  argv: readonly string[],
): Parsed<O> {
  const options: Record<
    string,
    { type: 'string' | 'boolean'; short?: string; default?: string | boolean; multiple?: boolean }
  > = {};
  for (const [name, o] of Object.entries({ ...spec.options, help: HELP })) {
    options[name] = {
      type: o.type,
      ...(o.short ? { short: o.short } : {}),
      ...(o.default !== undefined ? { default: o.default } : {}),
      ...(o.multiple ? { multiple: true } : {}),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: spec.positionals !== undefined, strict: true });
  } catch (error) {
    throw new UsageError(
      `${parseProblem(error, spec)}\n${usageLine(spec)}\nRun \`${spec.name} --help\` for the options.`,
    );
  }
  if (parsed.values['help'] === true) return { help: true };
  const { help: _help, ...values } = parsed.values;
  return { help: false, values: values as ParsedValues<O>, positionals: parsed.positionals };
}

/** parseArgs's messages are long and suggest `--`; users need the option and the command. */
function parseProblem(error: unknown, spec: CommandSpec): string {
  const { code, message } = error as { code?: string; message: string };
  const quoted = /'([^']+)'/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted ?? message}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted ?? ''}: ${spec.name} takes no positional arguments`;
    default:
      return message.replace(/\.$/, '');
  }
}

function usageLine(spec: CommandSpec): string {
  return `Usage: ${spec.name}${spec.positionals ? ` ${spec.positionals}` : ''} [options]`;
}

/** The `--help` text: usage, what it does, every option with its default, examples. */
export function formatHelp(spec: CommandSpec): string {
  const rows = Object.entries({ ...spec.options, help: HELP }).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`;
    const repeat = o.multiple ? ' (repeatable)' : '';
    const fallback = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    return [flag, `${o.description}${repeat}${fallback}`] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return [
    usageLine(spec),
    '',
    spec.summary,
    '',
    'Options:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`),
    ...(spec.notes ? ['', spec.notes] : []),
    '',
    spec.examples.length === 1 ? 'Example:' : 'Examples:',
    ...spec.examples.map((e) => `  ${e}`),
  ].join('\n');
}
