/**
 * The `modelflags` command: init, add, check, generate, eval, audit, export, rollout, report,
 * guard, remove. Exit codes: 0 fine, 1 something to fix (invalid registry, stale types, audit
 * findings), 2 bad usage or input. Each command is a file of `commands/`, with the options that
 * drive parsing and `--help`.
 */
import { FileWriteError } from '../io/file-write.js';
import type { CliIO } from '../io/process-io.js';
import { didYouMean } from '../registry/suggest.js';
import { UsageError } from './args.js';
import type { Command } from './command.js';
import add from './commands/add.js';
import audit from './commands/audit.js';
import check from './commands/check.js';
import evalCommand from './commands/eval.js';
import exportCommand from './commands/export.js';
import generate from './commands/generate.js';
import guard from './commands/guard.js';
import init from './commands/init.js';
import remove from './commands/remove.js';
import report from './commands/report.js';
import rollout from './commands/rollout.js';
import { InvalidRegistry } from './options.js';
import { packageVersion } from '../io/version.js';

/** In the order a new user meets them, which `--help` keeps. */
const COMMANDS: readonly Command[] = [
  init,
  add,
  check,
  generate,
  evalCommand,
  audit,
  exportCommand,
  rollout,
  report,
  guard,
  remove,
];

const PROGRAM_HELP = `Usage: modelflags <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)}${c.line}`).join('\n')}

Options:
  -h, --help     show this help, or a command's help: modelflags <command> --help
  -v, --version  print the version

Example:
  npx modelflags init && npx modelflags add summary_model --variants a,b --default a --owner ml-platform`;

async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(PROGRAM_HELP);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(packageVersion());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command)
    throw new UsageError(
      `unknown command "${name}"${didYouMean(
        name,
        COMMANDS.map((c) => c.name),
      )}\n\n${PROGRAM_HELP}`,
    );
  return command.main(rest, io);
}

export async function runModelflagsCli(argv: string[], io: CliIO): Promise<number> {
  try {
    return await main(argv, io);
  } catch (error) {
    if (error instanceof InvalidRegistry) {
      io.err(error.message);
      return command(argv) === 'check' ? 1 : 2;
    }
    // Bad input, or an --out/--html write that was refused or failed (the message names the file; it was not touched).
    if (error instanceof UsageError || error instanceof FileWriteError) {
      io.err(`modelflags: ${(error as Error).message}`);
      return 2;
    }
    throw error;
  }
}

function command(argv: string[]): string | undefined {
  return argv[0];
}
