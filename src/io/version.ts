import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cache = new Map<string, string>();

/**
 * The version of package `name`, from the first package.json of that name above `moduleUrl` (a
 * module of the package, in its sources or in dist/), read once. Here rather than in the CLI so
 * the runtime can name itself too (the OpenTelemetry meter's version). Each of the project's
 * packages asks for its own, though they move together.
 */
export function packageVersion(moduleUrl: string = import.meta.url, name = 'modelflags'): string {
  const key = `${name}\0${moduleUrl}`;
  const known = cache.get(key);
  if (known !== undefined) return known;
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name && pkg.version) return remember(key, pkg.version);
    } catch {
      // no package.json at this level; keep walking up
    }
    const parent = dirname(dir);
    if (parent === dir) return remember(key, '0.0.0');
    dir = parent;
  }
}

function remember(key: string, version: string): string {
  cache.set(key, version);
  return version;
}
