/** `modelflags generate`: the typed module, one type per flag. */
import { resolve } from 'node:path';
import { writeFileAtomic } from '../../io/file-write.js';
import { defaultGeneratedPath, generateTypedModule, registryImportPath } from '../../registry/generate.js';
import type { Registry } from '../../registry/model.js';
import { defineCommand } from '../command.js';
import { openFeatureOption, outOption, readRegistry, registryOption } from '../options.js';

export function expectedModule(
  registry: Registry,
  registryPath: string,
  outFile: string,
  openFeature: boolean,
): string {
  return generateTypedModule(registry, { registryImportPath: registryImportPath(outFile, registryPath), openFeature });
}

export default defineCommand(
  'write the typed module',
  {
    name: 'modelflags generate',
    summary: 'Writes the typed module: one type per flag, so a misspelt key or variant fails to compile.',
    options: { registry: registryOption, out: outOption, openfeature: openFeatureOption },
    examples: ['npx modelflags generate', 'npx modelflags generate --out src/flags.generated.ts'],
  },
  async (values, positionals, io) => {
    const registryPath = resolve(io.cwd, values.registry);
    const registry = readRegistry(values.registry, io);
    const outFile = values.out ? resolve(io.cwd, values.out) : defaultGeneratedPath(registryPath);
    writeFileAtomic(outFile, expectedModule(registry, registryPath, outFile, values.openfeature));
    io.out(`wrote ${outFile} (${registry.flags.length} flags)`);
    return 0;
  },
);
