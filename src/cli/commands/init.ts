/** `modelflags init`: a registry to start from, and the ESLint config to add. */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../../io/file-write.js';
import { addDays, DEFAULT_CLEANUP_DAYS, todayUtc } from '../../registry/retire.js';
import { UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import { registryOption } from '../options.js';

const SCHEMA_PATH = './node_modules/modelflags/schema/flags.schema.json';

/** The README's ESLint config, naming the registry just written. */
function eslintConfig(registryPath: string): string {
  return `// eslint.config.js
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import modelflags from 'eslint-plugin-modelflags';

export default defineConfig([
  tseslint.configs.recommended,
  {
    extends: [modelflags.configs.recommended],
    settings: { modelflags: { registry: ${JSON.stringify(registryPath)} } },
  },
]);`;
}

export default defineCommand(
  'start a registry (flags.json) with an example flag',
  {
    name: 'modelflags init',
    summary:
      'Starts a registry: writes flags.json with its $schema and one example flag (owner, dimension, a cleanup\ndate 90 days out), then prints the ESLint config to add. Refuses to overwrite an existing file.',
    options: { registry: { ...registryOption, description: 'where to write the registry' } },
    examples: ['npx modelflags init'],
  },
  (values, _positionals, io) => {
    const today = todayUtc();
    const path = resolve(io.cwd, values.registry);
    if (existsSync(path))
      throw new UsageError(
        `${values.registry}: already exists; it was left as it is. Add flags to it with \`npx modelflags add <flag> …\``,
      );
    const cleanupBy = addDays(today, DEFAULT_CLEANUP_DAYS);
    const q = (v: unknown): string => JSON.stringify(v);
    // Written out rather than JSON.stringify'd: variants and rules one per line, as in the docs.
    const text = `{
  "$schema": ${q(SCHEMA_PATH)},
  "flags": [
    {
      "flag": "inference_model",
      "description": "LLM that answers chat requests (an example: edit it, or replace it with modelflags add)",
      "dimension": "model",
      "owner": "your-team",
      "cleanup_by": ${q(cleanupBy)},
      "variants": ["claude-3-haiku", "claude-sonnet-4-6"],
      "default": "claude-3-haiku",
      "rules": [
        { "condition": { "rollout_percentage": 10 }, "value": "claude-sonnet-4-6" }
      ]
    }
  ]
}
`;
    writeFileAtomic(path, text, { expected: null });
    io.out(`wrote ${values.registry} with one example flag (cleanup_by ${cleanupBy})`);
    io.out('');
    io.out('Next:');
    io.out('  npx modelflags add <flag> --variants a,b --default a --owner <team>   add your flags');
    io.out('  npx modelflags generate                                              write the typed module');
    io.out('');
    io.out(
      `Add the ESLint plugin to your config (without typescript-eslint, leave out its line):\n\n${eslintConfig(values.registry)}`,
    );
    return 0;
  },
);
