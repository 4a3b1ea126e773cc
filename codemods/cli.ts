/**
 * `npx remove-flag <flag> --keep <variant> [paths...]`. Exit 0 clean, 1 sites left for a human
 * (or a change that failed verification, or files that could not be written, each named), 2 bad
 * input or a write that could not start (nothing changed).
 */
import { parseArgs } from 'node:util';
import type { CliIO } from '../src/process-io.js';
import { formatReport, removeFlag } from './remove-flag.js';

const USAGE = `usage: remove-flag <flag> --keep <variant> [paths...] [--registry flags.json] [--dry-run] [--json] [--no-verify]

Retires <flag>: every read becomes <variant>, code made constant by that is simplified, the flag
leaves the registry and the typed module is regenerated. Paths default to the current directory.`;

export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        keep: { type: 'string' },
        registry: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'no-verify': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const [flag, ...paths] = positionals;
  if (flag === undefined || values.keep === undefined) {
    io.err(`${flag === undefined ? 'missing <flag>' : 'missing --keep <variant>: say which variant every user should get from now on'}\n\n${USAGE}`);
    return 2;
  }
  const report = await removeFlag({
    flags: [{ flag, keep: values.keep }],
    paths: paths.length > 0 ? paths : ['.'],
    ...(values.registry ? { registry: values.registry } : {}),
    dryRun: values['dry-run'],
    verify: !values['no-verify'],
    cwd: io.cwd,
  });
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else (report.exitCode === 2 ? io.err : io.out)(formatReport(report, { dryRun: values['dry-run'] }).replace(/\n$/, ''));
  return report.exitCode;
}
