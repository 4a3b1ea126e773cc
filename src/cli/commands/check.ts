/** `modelflags check`: the registry validates and the generated module is up to date. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeErrno } from '../../io/file-write.js';
import type { CliIO } from '../../io/process-io.js';
import { defaultGeneratedPath } from '../../registry/generate.js';
import { readRegistryText, RegistryReadError } from '../../registry/load.js';
import type { Registry } from '../../registry/model.js';
import { parseRegistry, type RegistryIssue } from '../../registry/validate.js';
import { UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import { openFeatureOption, outOption, readRegistry, registryOption } from '../options.js';
import { expectedModule } from './generate.js';

interface CheckValues {
  registry: string;
  out: string | undefined;
  openfeature: boolean;
  json: boolean;
}

export default defineCommand(
  'validate the registry and the generated types',
  {
    name: 'modelflags check',
    summary:
      'Validates the registry and checks that the generated typed module is up to date.\nExit 0 valid, 1 something to fix, 2 bad usage.',
    options: {
      registry: registryOption,
      out: outOption,
      openfeature: openFeatureOption,
      json: {
        type: 'boolean',
        default: false,
        description: 'print the result as JSON (problems with file, line, column, message)',
      },
    },
    examples: ['npx modelflags check', 'npx modelflags check --registry config/flags.json --json'],
  },
  (values, _positionals, io) => runCheck(values, io),
);

/** The problems of a registry as `check --json` prints them. */
function issueJson(issue: RegistryIssue): {
  file: string;
  line: number;
  column: number;
  message: string;
  flag: string | null;
} {
  return { file: issue.file, line: issue.line, column: issue.column, message: issue.message, flag: issue.flag ?? null };
}

function runCheck(values: CheckValues, io: CliIO): number {
  const registryPath = resolve(io.cwd, values.registry);
  if (!values.json) {
    const registry = readRegistry(values.registry, io);
    io.out(`${values.registry}: ${registry.flags.length} flag${registry.flags.length === 1 ? '' : 's'}, valid`);
    const generated = generatedState(registry, registryPath, values, io.cwd);
    if (generated.state === 'stale') {
      io.err(
        `${generated.file}:1:1: the generated module is stale: it no longer matches ${values.registry}. Run \`npx modelflags generate\` and commit the result`,
      );
      return 1;
    }
    if (generated.state === 'current') io.out(`${generated.file}: up to date`);
    return 0;
  }
  let text: string;
  try {
    text = readRegistryText(registryPath, values.registry);
  } catch (error) {
    throw error instanceof RegistryReadError ? new UsageError(error.message) : error;
  }
  const { registry, issues } = parseRegistry(text, values.registry);
  const generated = registry ? generatedState(registry, registryPath, values, io.cwd) : undefined;
  const problems = issues.map(issueJson);
  if (generated?.state === 'stale') {
    problems.push({
      file: generated.file,
      line: 1,
      column: 1,
      message: `the generated module is stale: it no longer matches ${values.registry}. Run \`npx modelflags generate\` and commit the result`,
      flag: null,
    });
  }
  io.out(
    JSON.stringify(
      {
        registry: values.registry,
        valid: registry !== undefined,
        flags: registry?.flags.length ?? null,
        generated:
          generated && generated.state !== 'absent'
            ? { file: generated.file, upToDate: generated.state === 'current' }
            : null,
        issues: problems,
      },
      null,
      2,
    ),
  );
  return problems.length > 0 ? 1 : 0;
}

/** Whether the generated module matches the registry; `absent` when there is none at the default path. */
function generatedState(
  registry: Registry,
  registryPath: string,
  values: { out: string | undefined; openfeature: boolean },
  cwd: string,
): { state: 'absent' | 'stale' | 'current'; file: string } {
  const outFile = values.out ? resolve(cwd, values.out) : defaultGeneratedPath(registryPath);
  if (!existsSync(outFile)) {
    if (values.out)
      throw new UsageError(`${values.out}: no generated module here; run \`modelflags generate --out ${values.out}\``);
    return { state: 'absent', file: outFile };
  }
  let actual: string;
  try {
    actual = readFileSync(outFile, 'utf8');
  } catch (error) {
    throw new UsageError(`${outFile}: cannot read the generated module: ${describeErrno(error)}`);
  }
  return {
    state: actual === expectedModule(registry, registryPath, outFile, values.openfeature) ? 'current' : 'stale',
    file: outFile,
  };
}
