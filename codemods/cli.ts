#!/usr/bin/env node
/**
 * `npx remove-flag <flag> --keep <variant> [paths...]`. Exit 0 clean, 1 sites left for a human
 * (or a change that failed verification), 2 bad input.
 */
import { parseArgs } from 'node:util';
import { formatReport, removeFlag } from './remove-flag.js';

const USAGE = `usage: remove-flag <flag> --keep <variant> [paths...] [--registry flags.json] [--dry-run] [--json] [--no-verify]

Retires <flag>: every read becomes <variant>, code made constant by that is simplified, the flag
leaves the registry and the typed module is regenerated. Paths default to the current directory.`;

async function main(argv: readonly string[]): Promise<number> {
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
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [flag, ...paths] = positionals;
  if (flag === undefined || values.keep === undefined) {
    process.stderr.write(`${flag === undefined ? 'missing <flag>' : 'missing --keep <variant>: say which variant every user should get from now on'}\n\n${USAGE}\n`);
    return 2;
  }
  const report = await removeFlag({
    flags: [{ flag, keep: values.keep }],
    paths: paths.length > 0 ? paths : ['.'],
    ...(values.registry ? { registry: values.registry } : {}),
    dryRun: values['dry-run'],
    verify: !values['no-verify'],
  });
  if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else (report.exitCode === 2 ? process.stderr : process.stdout).write(formatReport(report, { dryRun: values['dry-run'] }));
  return report.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`remove-flag: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 2;
  },
);
