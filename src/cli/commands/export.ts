/** `modelflags export`: the registry in flagd, AWS AppConfig or LaunchDarkly format. */
import { resolve } from 'node:path';
import { writeFileAtomic } from '../../io/file-write.js';
import { ExportError, exportToAppConfig } from '../../exports/appconfig.js';
import { exportToFlagd } from '../../exports/flagd.js';
import { exportToLaunchDarkly, LAUNCHDARKLY_BUCKETING_NOTE } from '../../exports/launchdarkly.js';
import { rolloutNotes } from '../../exports/rollouts.js';
import { UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import { nowOption, readRegistry, registryOption } from '../options.js';

export default defineCommand(
  'convert to flagd, AppConfig or LaunchDarkly',
  {
    name: 'modelflags export',
    summary: "Converts the registry to another system's format. The document goes to stdout unless --out is given.",
    options: {
      registry: registryOption,
      to: { type: 'string', value: 'flagd|appconfig|launchdarkly', description: 'the target format (required)' },
      out: { type: 'string', value: 'file', description: 'write the document here instead of stdout' },
      now: {
        type: 'string',
        value: 'ISO date-time',
        description: 'export rollouts as they stand at this moment, like 2026-12-10T09:00:00Z (default: now)',
      },
    },
    examples: [
      'npx modelflags export --to flagd --out flagd.json',
      'npx modelflags export --to appconfig --now 2026-12-10T11:00:00Z',
    ],
    notes: [
      'Rollouts: flagd is given the schedule and advances it by its own clock. AppConfig and LaunchDarkly are',
      "given each rollout's live step at --now, a snapshot that stays put until you export again; stderr says",
      'until when each one holds.',
    ].join('\n'),
  },
  async (values, positionals, io) => {
    const target = values.to;
    if (target !== 'flagd' && target !== 'appconfig' && target !== 'launchdarkly') {
      throw new UsageError(`--to must be one of: flagd, appconfig, launchdarkly${target ? ` (got "${target}")` : ''}`);
    }
    const now = nowOption(values.now);
    const registry = readRegistry(values.registry, io);
    let document: unknown;
    try {
      document =
        target === 'flagd'
          ? exportToFlagd(registry, { now })
          : target === 'appconfig'
            ? exportToAppConfig(registry, { now })
            : exportToLaunchDarkly(registry, { now });
    } catch (error) {
      if (!(error instanceof ExportError)) throw error;
      io.err(error.message);
      return 2;
    }
    // On stderr, so that the document on stdout can be piped.
    if (target === 'launchdarkly') io.err(`note: ${LAUNCHDARKLY_BUCKETING_NOTE}`);
    for (const line of rolloutNotes(registry, target, now)) io.err(line);
    const text = `${JSON.stringify(document, null, 2)}\n`;
    if (values.out) {
      writeFileAtomic(resolve(io.cwd, values.out), text);
      io.out(`wrote ${values.out}`);
    } else io.out(text.trimEnd());
    return 0;
  },
);
