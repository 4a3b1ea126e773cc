/** `modelflags audit`: expired, unused and undeclared flags across the code. */
import { UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import { registryOption, todayOption } from '../options.js';
import { loadDetection } from '../siblings.js';
import { colorEnabled, painter, progressLine } from '../terminal.js';
import { packageVersion } from '../../io/version.js';

export default defineCommand(
  'expired, unused and undeclared flags across the code',
  {
    name: 'modelflags audit',
    positionals: '[paths...]',
    summary:
      'Flag hygiene across the code: flags past cleanup_by and reads of undeclared flags (errors), flags no code\nreads and flags that serve one variant to everyone (warnings). Paths default to the current directory.',
    options: {
      registry: registryOption,
      format: { type: 'string', default: 'text', value: 'text|json|sarif', description: 'output format' },
      'fail-on': {
        type: 'string',
        default: 'error',
        value: 'error|warning|none',
        description: 'the least severe finding that makes the audit exit 1',
      },
      today: { type: 'string', value: 'YYYY-MM-DD', description: 'audit as of this date (default: today, UTC)' },
      color: {
        type: 'boolean',
        description: 'colour the text output (default: when stdout is a terminal; NO_COLOR and FORCE_COLOR apply)',
      },
      'no-color': { type: 'boolean', description: 'never colour' },
    },
    examples: ['npx modelflags audit src', 'npx modelflags audit --format sarif --fail-on warning > modelflags.sarif'],
  },
  async (values, positionals, io) => {
    if (!['text', 'json', 'sarif'].includes(values.format))
      throw new UsageError(`--format must be one of: text, json, sarif (got "${values.format}")`);
    const audit = await import('../audit/audit.js');
    const failOn = audit.FAIL_ON.find((f) => f === values['fail-on']);
    if (failOn === undefined)
      throw new UsageError(`--fail-on must be one of: ${audit.FAIL_ON.join(', ')} (got "${values['fail-on']}")`);
    const today = todayOption(values.today);
    const detection = await loadDetection('audit');
    const progress = progressLine(io, 'scanning', 'files', values.format !== 'text');
    let result;
    try {
      result = await audit.runAudit(
        {
          cwd: io.cwd,
          paths: positionals,
          registry: values.registry,
          today,
          onProgress: (done, total) => progress.update(done, total),
        },
        detection,
      );
    } catch (error) {
      if (error instanceof audit.AuditInputError) throw new UsageError(error.message);
      throw error;
    } finally {
      progress.end();
    }
    if (values.format === 'json') io.out(audit.formatJson(result));
    else if (values.format === 'sarif') io.out(audit.formatSarif(result, packageVersion()));
    else
      io.out(
        audit.formatText(
          result,
          painter(values['no-color'] ? false : (values.color ?? colorEnabled(io.stdout, io.env))),
        ),
      );
    return audit.failsAt(result, failOn) ? 1 : 0;
  },
);
