/**
 * `npx remove-flag <flag> --keep <variant> [paths...]`. Exit 0 clean, 1 sites left for a human
 * (or a change that failed verification, or files that could not be written, each named), 2 bad
 * input or a write that could not start (nothing changed).
 */
import {
  formatHelp,
  packageVersion,
  parseCommand,
  progressLine,
  UsageError,
  type CommandSpec,
  type RemoveFlagEntry,
} from 'modelflags/cli';
import { removeFlag } from './remove-flag.js';
import { formatJsonReport, formatReport } from './report.js';

const REMOVE_FLAG = {
  name: 'remove-flag',
  positionals: '<flag> [paths...]',
  summary: `Retires <flag>: every read becomes <variant>, code made constant by that is simplified, the flag
leaves the registry and the typed module is regenerated. Paths default to the current directory.
Exit 0 clean, 1 sites left for a human (each listed), 2 bad input (nothing changed). Run again
once the flag is gone from the registry, it checks that no code reads it: exit 0, nothing to do.`,
  options: {
    keep: { type: 'string', value: 'variant', description: 'the variant every user gets from now on (required)' },
    registry: { type: 'string', default: 'flags.json', value: 'file', description: 'the flag registry' },
    ignore: {
      type: 'string',
      multiple: true,
      value: 'glob',
      description: 'files that do not read <flag>, see the note below',
    },
    'dry-run': { type: 'boolean', default: false, description: 'show what would change, write nothing' },
    json: { type: 'boolean', default: false, description: 'print the report as JSON' },
    'no-verify': { type: 'boolean', default: false, description: 'skip the type check before writing' },
    'no-format': {
      type: 'boolean',
      default: false,
      description: "leave changed files as rewritten, not formatted with the project's Prettier",
    },
    version: { type: 'boolean', short: 'v', description: 'print the version' },
  },
  notes: `--ignore <glob> names files that do not read <flag>, such as a flag service's own
evaluation code: what is left in them is listed as a note and does not keep the entry. A
\`// remove-flag-ignore\` comment does the same for the line it is on or above, or for the whole
file when it is among the file's leading comments.

A changed file that passed \`prettier --check\` before the run is formatted with the project's own
Prettier, when it has one installed; other files keep the rewrite's layout.`,
  examples: [
    'npx remove-flag inference_model --keep claude-sonnet-4-6 src',
    'npx remove-flag inference_model --keep claude-sonnet-4-6 --dry-run',
  ],
} as const satisfies CommandSpec;

export const runCli: RemoveFlagEntry['runCli'] = async (argv, io) => {
  let parsed;
  try {
    parsed = parseCommand(REMOVE_FLAG, argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`remove-flag: ${error.message}`);
    return 2;
  }
  if (parsed.help) {
    io.out(formatHelp(REMOVE_FLAG));
    return 0;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    io.out(packageVersion(import.meta.url, 'remove-flag'));
    return 0;
  }
  const [flag, ...paths] = positionals;
  if (flag === undefined || values.keep === undefined) {
    io.err(
      `remove-flag: ${flag === undefined ? 'missing <flag>' : 'missing --keep <variant>: say which variant every user should get from now on'}\n\n${formatHelp(REMOVE_FLAG)}`,
    );
    return 2;
  }
  const progress = progressLine(io, 'reading', 'files', values.json);
  let report;
  try {
    report = await removeFlag({
      flags: [{ flag, keep: values.keep }],
      paths: paths.length > 0 ? paths : ['.'],
      registry: values.registry,
      ...(values.ignore ? { ignore: values.ignore } : {}),
      dryRun: values['dry-run'],
      verify: !values['no-verify'],
      format: !values['no-format'],
      cwd: io.cwd,
      onProgress: (done, total, stage) => progress.update(done, total, stage),
    });
  } finally {
    progress.end();
  }
  if (values.json) io.out(formatJsonReport(report));
  else
    (report.exitCode === 2 ? io.err : io.out)(formatReport(report, { dryRun: values['dry-run'] }).replace(/\n$/, ''));
  return report.exitCode;
};
