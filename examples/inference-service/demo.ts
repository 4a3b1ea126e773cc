/**
 * End-to-end demo: start the service on a copy of flags.json, send requests for a few users,
 * edit the registry (roll claude-sonnet-4-6 out to everyone), and show the same users again,
 * served the new model without a restart.
 */
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFlagsFromFile, createInferenceServer } from './src/server.js';

const users: { user: string; segment?: string; customer?: string }[] = [
  { user: 'alice', segment: 'internal' },
  { user: 'bob', segment: 'beta' },
  { user: 'carol', customer: 'acme' },
  { user: 'dave' },
  { user: 'erin' },
  { user: 'frank', segment: 'beta' },
];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'modelflags-demo-'));
  const registryPath = join(dir, 'flags.json');
  copyFileSync(new URL('./flags.json', import.meta.url), registryPath);

  const flags = createFlagsFromFile(registryPath);
  flags.on('error', (e) => console.error(`flags error: ${e.message}`));
  const server = createInferenceServer(flags).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const round = async (title: string): Promise<void> => {
    console.log(`\n${title}`);
    for (const u of users) {
      const query = new URLSearchParams({ user: u.user, q: 'Summarise my last invoice' });
      if (u.segment) query.set('segment', u.segment);
      if (u.customer) query.set('customer', u.customer);
      const body = (await (await fetch(`http://127.0.0.1:${port}/chat?${query}`)).json()) as {
        model: string;
        promptVersion: string;
      };
      const who = [u.user, u.segment && `segment=${u.segment}`, u.customer && `customer=${u.customer}`]
        .filter(Boolean)
        .join(' ');
      console.log(`  ${who.padEnd(28)} model=${body.model.padEnd(18)} prompt=${body.promptVersion}`);
    }
  };

  await round('Before: internal users on opus, acme pinned to haiku, 10% canary on sonnet');

  // Roll the canary out to 100%, written the way deploy tools do: a temp file renamed over the original.
  const registry = JSON.parse(readFileSync(registryPath, 'utf8')) as {
    flags: { flag: string; rules: { condition: Record<string, unknown> }[] }[];
  };
  const model = registry.flags.find((f) => f.flag === 'inference_model')!;
  model.rules[2]!.condition['rollout_percentage'] = 100;
  const seen = new Promise<string[]>((resolve) => {
    const off = flags.on('change', (e) => {
      off();
      resolve(e.flagsChanged);
    });
  });
  const started = performance.now();
  writeFileSync(`${registryPath}.tmp`, JSON.stringify(registry, null, 2));
  renameSync(`${registryPath}.tmp`, registryPath);
  const flagsChanged = await seen;
  console.log(
    `\nEdited flags.json: rollout_percentage 10 → 100. Reloaded ${flagsChanged.join(', ')} in ${(performance.now() - started).toFixed(0)} ms, no restart.`,
  );

  await round('After: everyone outside the pins and the internal segment on sonnet');

  server.close();
  flags.close();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
