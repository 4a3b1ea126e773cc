/**
 * A progressive rollout in compressed time (`npm run example:rollout`): the example service rolls
 * claude-sonnet-4-6 out 5% -> 25% -> 100% on a schedule in flags.json, with a guardrail watching
 * its error rate. Run 1 is healthy and reaches 100%. In run 2 the new model starts failing at 25%:
 * the guardrail rolls the canary back on its own, writes `"state": "aborted"` into flags.json, and
 * the users its rules pin (internal staff on opus, acme on haiku) keep their models.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setImmediate as yieldToTimers } from 'node:timers/promises';
import { createGuardrail, type GuardrailTrip } from 'modelflags';
import { createFlagsFromFile, handleChat, type ServiceFlags } from './src/server.js';
import { CANARY, flakyModels, registryWithRollout, seededRandom } from './simulation.js';

const STEP_SECONDS = 2;

/** flags.json with the 10% canary rule replaced by a schedule that starts at `start`. */
function registryWithSchedule(start: Date): string {
  return registryWithRollout({
    variant: CANARY,
    start: start.toISOString(),
    steps: [{ percent: 5, hold: `${STEP_SECONDS}s` }, { percent: 25, hold: `${STEP_SECONDS}s` }, { percent: 100 }],
  });
}

interface RunOptions {
  title: string;
  /** Turns the canary bad once the schedule reaches this step (1-based); never when undefined. */
  regressAtStep?: number;
  seed: number;
}

async function run({ title, regressAtStep, seed }: RunOptions): Promise<void> {
  console.log(`\n${title}`);
  const dir = mkdtempSync(join(tmpdir(), 'modelflags-rollout-'));
  const registryPath = join(dir, 'flags.json');
  const started = Date.now();
  writeFileSync(registryPath, registryWithSchedule(new Date(started + 500)));
  const flags: ServiceFlags = createFlagsFromFile(registryPath);
  flags.on('error', (e) => console.error(`  flags error: ${e.message}`));
  const guardrail = createGuardrail({
    flags,
    flag: 'inference_model',
    checks: [{ metric: 'error', threshold: 0.01 }],
    writeBack: registryPath,
  });
  const random = seededRandom(seed);
  const { client, failing } = flakyModels(random);
  const at = (): string => `[${((Date.now() - started) / 1000).toFixed(1).padStart(4)} s]`;
  let canaryRequests = 0;
  let canaryRequestsAtRegression = 0;

  let tripped: GuardrailTrip | undefined;
  guardrail.on('trip', (trip) => (tripped = trip));
  flags.on('change', (e) => {
    if (e.origin !== 'rollout schedule') return;
    const [status] = flags.rollout('inference_model');
    if (!status) return;
    console.log(`  ${at()} ${status.description}`);
    if (regressAtStep !== undefined && status.step + 1 === regressAtStep && failing.canaryErrorRate < 0.08) {
      failing.canaryErrorRate = 0.08;
      canaryRequestsAtRegression = canaryRequests;
      console.log(`  ${at()} injected: ${CANARY} now fails 8% of requests (the others 1%)`);
    }
  });

  const staff = { user: 'staff-1', segment: 'internal' };
  const acme = { user: 'acme-ops', customer: 'acme' };
  const deadline = started + 500 + 3 * STEP_SECONDS * 1000;
  let requests = 0;
  while (Date.now() < deadline && !tripped) {
    const batch = Array.from({ length: 50 }, () => {
      const r = random();
      const who = r < 0.03 ? staff : r < 0.05 ? acme : { user: `user-${Math.floor(random() * 20_000)}` };
      return handleChat(flags, { ...who, q: 'Summarise my last invoice' }, { complete: client }).then(({ body }) => {
        if ('model' in body && body.model === CANARY) canaryRequests++;
        else if (!('model' in body) && String(body.error).includes(CANARY)) canaryRequests++;
      });
    });
    await Promise.all(batch);
    requests += batch.length;
    // Let the schedule's timer, the file watcher and the write-back's reload run.
    await yieldToTimers();
  }

  const [status] = flags.rollout('inference_model');
  if (tripped) {
    console.log(
      `  ${at()} guardrail rolled ${tripped.variant} back after ${canaryRequests - canaryRequestsAtRegression} canary requests since the regression (${tripped.action}):`,
    );
    console.log(`         ${tripped.reason}`);
    const written = JSON.parse(readFileSync(registryPath, 'utf8')) as {
      flags: { flag: string; rules: { rollout?: { state?: string } }[] }[];
    };
    const rule = written.flags.find((f) => f.flag === 'inference_model')!.rules[2]!;
    console.log(`         flags.json now says: rule 3 rollout "state": ${JSON.stringify(rule.rollout?.state)}`);
    const formerCanary = Array.from({ length: 2000 }, (_, i) => `user-${i}`).filter(
      (u) => flags.get('inference_model', { targetingKey: u }) === CANARY,
    ).length;
    console.log(
      `         served now: staff-1 (internal) -> ${flags.get('inference_model', { targetingKey: 'staff-1', user_segment: 'internal' })}, ` +
        `acme -> ${flags.get('inference_model', { targetingKey: 'acme-ops', customer_id: 'acme' })}, ` +
        `general users on ${CANARY}: ${formerCanary} of 2000`,
    );
  } else {
    console.log(
      `  ${at()} ${status?.phase === 'complete' ? 'promoted to 100%' : `stopped at ${status?.description}`}; no rollback after ${requests} requests (${canaryRequests} on ${CANARY}); e-values ${JSON.stringify(roundValues(guardrail.eValues()))}`,
    );
  }
  guardrail.close();
  flags.close();
  rmSync(dir, { recursive: true, force: true });
}

function roundValues(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Math.round(v * 100) / 100]));
}

async function main(): Promise<void> {
  console.log(
    `A rollout of ${CANARY} on inference_model: 5% -> 25% -> 100%, ${STEP_SECONDS} s per step (compressed time); ` +
      'the guardrail watches the error rate (rolls back beyond +1 point, alpha 0.05) and writes decisions to flags.json.',
  );
  await run({ title: 'Run 1: healthy', seed: 1 });
  await run({ title: `Run 2: ${CANARY} starts failing at 25%`, regressAtStep: 2, seed: 2 });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
