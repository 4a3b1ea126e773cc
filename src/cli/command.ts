/**
 * What a `modelflags` command is: its options, which drive parsing, `--help` and usage errors, a
 * line for the command list, and what it does with the parsed values.
 */
import type { CliIO } from '../io/process-io.js';
import { formatHelp, parseCommand, type CommandSpec, type OptionSpec, type ParsedValues } from './args.js';

type Options = Readonly<Record<string, OptionSpec>>;

export interface Command {
  /** As typed after `modelflags`. */
  readonly name: string;
  /** The line `modelflags --help` lists it with. */
  readonly line: string;
  main(argv: readonly string[], io: CliIO): Promise<number>;
}

export function defineCommand<const O extends Options>(
  line: string,
  spec: CommandSpec<O>,
  run: (values: ParsedValues<O>, positionals: string[], io: CliIO) => number | Promise<number>,
): Command {
  return {
    name: spec.name.replace(/^modelflags /, ''),
    line,
    async main(argv, io) {
      const parsed = parseCommand(spec, argv);
      if (parsed.help) {
        io.out(formatHelp(spec));
        return 0;
      }
      return run(parsed.values, parsed.positionals, io);
    },
  };
}
