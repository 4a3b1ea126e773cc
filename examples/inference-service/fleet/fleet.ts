/**
 * A fleet in one machine (`npm run example:fleet`): four worker processes of the example service
 * share one registry file (inference_model rolls claude-sonnet-4-6 out to 25%; internal staff are
 * pinned to claude-opus-4-6), each exporting its per-variant outcomes through OpenTelemetry; a real
 * Prometheus scrapes them every second; a load generator sends requests from many users to all
 * four; and `modelflags guard`, the CLI, watches the fleet's sum in Prometheus and writes its
 * decisions to the shared file, which every worker's file source picks up.
 *
 * After a healthy warm-up the canary starts failing 8% of its calls on every worker (the others
 * fail 1%). The guard rolls it back; the run counts the canary requests the load generator saw
 * from the injection to the rollback, and times how long after the injection every worker serves
 * the control to the canary's users. The last line says both.
 *
 * `--aa <seconds>`: an A/A run instead, healthy throughout, reporting whether the guard decided
 * anything and how many canary requests it watched. `--rps <n>` sets the load (default 400).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CANARY, registryWithRollout, seededRandom } from '../simulation.js';
import { missingPrometheus, Prometheus } from './prometheus.js';
import type { FromWorker, ToWorker } from './worker.js';

const WORKERS = 4;
const CONTROL = 'claude-3-haiku';
const PINNED = 'claude-opus-4-6';
const CANARY_PERCENT = 25;
const CANARY_ERROR_RATE = 0.08;
const SCRAPE_INTERVAL = '1s';
const GUARD_INTERVAL = '1s';
const WARM_UP_MS = 6000;
/** From the injection: a guard that has not decided by then has failed the run. */
const DECISION_TIMEOUT_MS = 30_000;

const { values: options } = parseArgs({
  options: { aa: { type: 'string' }, rps: { type: 'string', default: '400' }, seed: { type: 'string', default: '1' } },
});
const aaSeconds = options.aa === undefined ? undefined : Number(options.aa);
if (aaSeconds !== undefined && !(aaSeconds > 0))
  throw new Error(`--aa takes seconds, like --aa 180 (got ${options.aa})`);
const requestsPerSecond = Number(options.rps);
if (!(requestsPerSecond > 0)) throw new Error(`--rps takes requests a second, like --rps 400 (got ${options.rps})`);
const seed = Number(options.seed);

const started = Date.now();
const at = (time = Date.now()): string => `[${((time - started) / 1000).toFixed(1).padStart(5)} s]`;
/** Set before the last line: what the guard prints while it stops must not come after it. */
let finished = false;
const log = (line: string, time?: number): void => void (finished || console.log(`  ${at(time)} ${line}`));

// ------------------------------------------------------------------------------------------------
// Everything the run starts is stopped, and its directory removed, on every way out: the end, an
// error, SIGINT or SIGTERM. Closers run last-started first.

const closers: { what: string; close: () => Promise<void> }[] = [];
let shuttingDown: Promise<void> | undefined;
function shutdown(): Promise<void> {
  shuttingDown ??= (async () => {
    for (const { what, close } of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        console.error(`fleet: stopping ${what} failed: ${(error as Error).message}`);
      }
    }
  })();
  return shuttingDown;
}
// `on`, not `once`: a second Ctrl-C while shutting down must not end the process with its children still up.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    if (shuttingDown) return;
    console.error(`fleet: ${signal}, shutting down`);
    void shutdown().then(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });

/** Ends a child process: `polite` first, SIGKILL if it has not exited after `graceMs`. */
async function endProcess(child: ChildProcess, polite: () => void, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  polite();
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

// ------------------------------------------------------------------------------------------------
// HTTP to the workers, on keep-alive connections as a load balancer keeps them.

// FIFO: every kept-alive connection is used in turn, so none idles until the server's keep-alive
// timeout closes it just as a request goes out on it ("socket hang up").
const agent = new Agent({ keepAlive: true, maxSockets: 64, scheduling: 'fifo' });
closers.push({ what: 'the HTTP agent', close: async () => agent.destroy() });

interface Served {
  /** The model that served the request: from the reply, or from the failure's message. */
  model: string | undefined;
  ok: boolean;
}

function chat(port: number, query: Record<string, string>): Promise<Served> {
  return new Promise((resolve, reject) => {
    const path = `/chat?${new URLSearchParams({ ...query, q: 'Summarise my last invoice' })}`;
    const request = get({ host: '127.0.0.1', port, path, agent, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const body = JSON.parse(text) as { model?: string; error?: string };
        // The simulated model API names the model in its failures ("claude-sonnet-4-6 timed out").
        const model = body.model ?? [CONTROL, CANARY, PINNED].find((m) => body.error?.includes(m));
        resolve({ model, ok: res.statusCode === 200 });
      });
      res.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('no answer within 10 s')));
    request.on('error', reject);
  });
}

// ------------------------------------------------------------------------------------------------
// The workers.

interface Worker {
  index: number;
  child: ChildProcess;
  chatPort: number;
  metricsPort: number;
}

async function startWorker(index: number, registryPath: string): Promise<Worker> {
  // fork() runs the worker with this process's flags (`--import tsx`), so it is TypeScript too.
  const child = fork(join(import.meta.dirname, 'worker.ts'), [registryPath, String(seed * 100 + index)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  closers.push({
    what: `worker ${index}`,
    close: () =>
      endProcess(child, () => (child.connected ? child.send({ type: 'stop' } satisfies ToWorker) : child.kill())),
  });
  const ready = await new Promise<FromWorker>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`worker ${index} exited with ${code} before it was ready`)));
  });
  if (ready.type !== 'ready') throw new Error(`worker ${index} said ${JSON.stringify(ready)} before it was ready`);
  return { index, child, chatPort: ready.chatPort, metricsPort: ready.metricsPort };
}

/** Tells every worker's model API to fail the canary `rate` of calls; resolves when all have. */
async function setCanaryErrorRate(workers: readonly Worker[], rate: number): Promise<void> {
  await Promise.all(
    workers.map(async ({ child }) => {
      const acknowledged = once(child, 'message');
      child.send({ type: 'canary-error-rate', rate } satisfies ToWorker);
      await acknowledged;
    }),
  );
}

// ------------------------------------------------------------------------------------------------
// The load generator: many users, 3% of them internal staff (pinned to opus) and 2% acme (pinned to
// haiku), each request to a random worker, at a steady rate from many connections.

interface Load {
  requests: number;
  failed: number;
  /** When each response served by the canary arrived. */
  canaryAt: number[];
  /** General users the canary served, for the probes. */
  canaryUsers: Set<string>;
  stop: () => Promise<void>;
}

function startLoad(workers: readonly Worker[]): Load {
  const random = seededRandom(seed);
  const concurrency = 32;
  const pause = (concurrency * 1000) / requestsPerSecond;
  let running = true;
  const load: Load = { requests: 0, failed: 0, canaryAt: [], canaryUsers: new Set(), stop: async () => undefined };
  const loop = async (): Promise<void> => {
    // Spread the loops' first requests over one pause, so they do not arrive in step.
    await sleep(random() * pause);
    while (running) {
      const begun = Date.now();
      const r = random();
      const query: Record<string, string> =
        r < 0.03
          ? { user: `staff-${Math.floor(random() * 200)}`, segment: 'internal' }
          : r < 0.05
            ? { user: `acme-${Math.floor(random() * 100)}`, customer: 'acme' }
            : { user: `user-${Math.floor(random() * 20_000)}` };
      const worker = workers[Math.floor(random() * workers.length)]!;
      try {
        const served = await chat(worker.chatPort, query);
        load.requests++;
        if (!served.ok) load.failed++;
        if (served.model === CANARY) {
          load.canaryAt.push(Date.now());
          if (!query['segment'] && !query['customer'] && load.canaryUsers.size < 50)
            load.canaryUsers.add(query['user']!);
        }
      } catch (error) {
        if (running) console.error(`fleet: a request to worker ${worker.index} failed: ${(error as Error).message}`);
      }
      const wait = pause - (Date.now() - begun);
      if (wait > 0) await sleep(wait);
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  load.stop = async () => {
    running = false;
    await Promise.all(loops);
  };
  closers.push({ what: 'the load generator', close: () => load.stop() });
  return load;
}

const countBetween = (times: readonly number[], from: number, to: number): number =>
  times.filter((t) => t > from && t <= to).length;

// ------------------------------------------------------------------------------------------------
// The guard: the CLI as a fleet runs it (`npx modelflags guard`): the bin of the modelflags this
// process imports (its build; or its TypeScript source under the tests' modelflags-source condition).

interface Guard {
  pid: number | undefined;
  lines: { at: number; line: string }[];
  stop: () => Promise<number | null>;
}

function startGuard(prometheusUrl: string, registryPath: string): Guard {
  const entry = fileURLToPath(import.meta.resolve('modelflags'));
  const bin = join(dirname(entry), 'cli', `bin${extname(entry)}`);
  const args = ['guard', 'inference_model', '--prometheus', prometheusUrl, '--registry', registryPath];
  args.push('--interval', GUARD_INTERVAL);
  const child = spawn(process.execPath, [...process.execArgv, bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const guard: Guard = {
    pid: child.pid,
    lines: [],
    stop: async () => {
      await endProcess(child, () => child.kill('SIGTERM'));
      return child.exitCode;
    },
  };
  closers.push({ what: 'the guard', close: async () => void (await guard.stop()) });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const now = Date.now();
    guard.lines.push({ at: now, line });
    log(line, now);
  });
  createInterface({ input: child.stderr! }).on('line', (line) => console.error(`  ${at()} guard (stderr): ${line}`));
  log(`started: modelflags ${args.join(' ')}`);
  return guard;
}

async function until<T>(what: string, timeoutMs: number, check: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`fleet: ${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(20);
  }
}

/** A probe: the model `worker` serves to `query`, asked again when the request fails (no model, or no answer). */
async function modelServed(worker: Worker, query: Record<string, string>): Promise<string> {
  let failure: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const { model } = await chat(worker.chatPort, query);
      if (model !== undefined) return model;
      failure = new Error('an answer that names no model');
    } catch (error) {
      failure = error;
    }
  }
  throw new Error(`fleet: worker ${worker.index} did not answer a probe: ${(failure as Error).message}`);
}

/**
 * Asks `worker` for `users` (the canary's, before the rollback) in turn until it serves one of
 * them `model`; resolves with when.
 */
async function servesTo(worker: Worker, users: readonly string[], model: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    const served = await modelServed(worker, { user: users[i % users.length]! });
    if (served === model) return Date.now();
    if (Date.now() > deadline) throw new Error(`fleet: worker ${worker.index} still serves ${served}`);
    await sleep(10);
  }
}

// ------------------------------------------------------------------------------------------------
// What each part costs, read at the end of an A/A run (bench/README.md, "Fleet").

/** The guard's query (docs/fleet.md, "What it reads"), asked once more here for Prometheus' own timings. */
const GUARD_QUERY =
  '{__name__=~"modelflags_samples_total|modelflags_bad_samples_total",feature_flag_key="inference_model",modelflags_metric=~"error"}';

/** CPU seconds and resident memory of a process, from /proc; undefined where there is none (not Linux). */
function processUsage(pid: number | undefined): { cpuSeconds: number; rssMiB: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After the command's ")": state, then 10 fields, then utime and stime in clock ticks (USER_HZ, 100).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rssKiB = Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return { cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100, rssMiB: rssKiB / 1024 };
  } catch {
    return undefined;
  }
}

/** A sample's value from Prometheus' text format. */
const sampleOf = (text: string, name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);

async function reportCosts(
  workers: readonly Worker[],
  prometheus: Prometheus,
  guard: Guard,
  guardSince: { at: number; usage: ReturnType<typeof processUsage> },
): Promise<void> {
  const times: number[] = [];
  let scrape = '';
  for (let i = 0; i < 21; i++) {
    const begun = performance.now();
    scrape = await (await fetch(`http://127.0.0.1:${workers[0]!.metricsPort}/metrics`)).text();
    times.push(performance.now() - begun);
  }
  const series = scrape.split('\n').filter((l) => l.startsWith('modelflags_')).length;
  log(
    `cost, one worker's scrape: ${series} modelflags series, ${(scrape.length / 1024).toFixed(1)} KiB of text, ` +
      `${times.sort((a, b) => a - b)[10]!.toFixed(1)} ms to answer (median of 21, under load)`,
  );

  const own = await (await fetch(`${prometheus.url}/metrics`)).text();
  log(
    `cost, Prometheus: ${sampleOf(own, 'prometheus_tsdb_head_series')} series in its head, ` +
      `${sampleOf(own, 'process_cpu_seconds_total').toFixed(1)} s of CPU since it started, ` +
      `${(sampleOf(own, 'process_resident_memory_bytes') / 2 ** 20).toFixed(0)} MiB resident`,
  );

  const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(GUARD_QUERY)}&stats=all`);
  const text = await response.text();
  const { data } = JSON.parse(text) as {
    data: {
      result: unknown[];
      stats?: { timings?: { execTotalTime?: number }; samples?: { totalQueryableSamples?: number } };
    };
  };
  const queryMs = (data.stats?.timings?.execTotalTime ?? Number.NaN) * 1000;
  log(
    `cost, the guard's query per poll: ${data.result.length} series, ${(text.length / 1024).toFixed(1)} KiB of JSON, ` +
      `${queryMs.toFixed(2)} ms in Prometheus (${data.stats?.samples?.totalQueryableSamples ?? '?'} samples read)`,
  );

  const usage = processUsage(guard.pid);
  if (usage && guardSince.usage) {
    const seconds = (Date.now() - guardSince.at) / 1000;
    const cpu = usage.cpuSeconds - guardSince.usage.cpuSeconds;
    const polls = seconds / Number.parseFloat(GUARD_INTERVAL);
    log(
      `cost, the guard process: ${cpu.toFixed(2)} s of CPU over ${seconds.toFixed(0)} s after its start-up ` +
        `(${((1000 * cpu) / polls).toFixed(1)} ms a poll), ${usage.rssMiB.toFixed(0)} MiB resident`,
    );
  }
}

// ------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const missing = missingPrometheus();
  if (missing) throw new Error(missing);
  const dir = mkdtempSync(join(tmpdir(), 'modelflags-fleet-'));
  closers.push({ what: dir, close: async () => rmSync(dir, { recursive: true, force: true }) });
  const registryPath = join(dir, 'flags.json');
  // Live at 25% for the whole run: the schedule's first step holds for an hour.
  writeFileSync(
    registryPath,
    registryWithRollout({
      variant: CANARY,
      start: new Date(started - 60_000).toISOString(),
      steps: [{ percent: CANARY_PERCENT, hold: '1h' }, { percent: 100 }],
    }),
  );
  console.log(
    `A fleet of ${WORKERS} workers of the example service on one registry file, ${registryPath}: inference_model ` +
      `rolls ${CANARY} out to ${CANARY_PERCENT}% (control ${CONTROL}; internal staff pinned to ${PINNED}). ` +
      `Each worker exports OpenTelemetry metrics; Prometheus scrapes them every ${SCRAPE_INTERVAL}; ` +
      `modelflags guard queries it every ${GUARD_INTERVAL}.`,
  );

  const workers = await Promise.all(Array.from({ length: WORKERS }, (_, i) => startWorker(i + 1, registryPath)));
  log(`${WORKERS} workers up (chat ports ${workers.map((w) => w.chatPort).join(', ')})`);

  const prometheus = new Prometheus(
    join(dir, 'prometheus'),
    workers.map((w) => `127.0.0.1:${w.metricsPort}`),
    SCRAPE_INTERVAL,
  );
  closers.push({ what: 'Prometheus', close: () => prometheus.close() });
  await prometheus.start();
  const load = startLoad(workers);
  await prometheus.targetsUp();
  log(`Prometheus ${prometheus.url} scrapes all ${WORKERS} workers; load: ${requestsPerSecond} requests/s`);

  const guard = startGuard(prometheus.url, registryPath);
  const guardStarted = Date.now();
  const decisions = (): { at: number; line: string }[] =>
    guard.lines.filter((l) => /^guard: (rolled back|promoted)/.test(l.line));

  if (aaSeconds !== undefined) {
    const end = guardStarted + aaSeconds * 1000;
    // The guard's CPU is counted from here, after Node's start-up and its first polls.
    await sleep(5000);
    const guardSince = { at: Date.now(), usage: processUsage(guard.pid) };
    while (Date.now() < end) {
      await sleep(Math.min(30_000, end - Date.now()));
      const watched = countBetween(load.canaryAt, guardStarted, Date.now());
      log(
        `${load.requests} requests, ${watched} on ${CANARY} since the guard started; ${decisions().length} decisions`,
      );
    }
    const ended = Date.now();
    await reportCosts(workers, prometheus, guard, guardSince);
    const exitCode = await guard.stop();
    const watched = countBetween(load.canaryAt, guardStarted, ended);
    const fleetCounts = await prometheus.query(
      'sum by (feature_flag_result_variant) (modelflags_samples_total{feature_flag_key="inference_model",modelflags_metric="error"})',
    );
    const badCounts = await prometheus.query(
      'sum by (feature_flag_result_variant) (modelflags_bad_samples_total{feature_flag_key="inference_model",modelflags_metric="error"})',
    );
    for (const { metric, value } of fleetCounts) {
      const variant = metric['feature_flag_result_variant']!;
      const bad = Number(badCounts.find((b) => b.metric['feature_flag_result_variant'] === variant)?.value[1] ?? 0);
      log(
        `Prometheus, summed over the workers: ${variant} served ${value[1]} requests, ${bad} failed (${((100 * bad) / Number(value[1])).toFixed(2)}%)`,
      );
    }
    log(`guard stopped (exit code ${exitCode}); ${load.requests} requests in all, ${load.failed} failed`);
    const decided = decisions();
    finished = true;
    console.log(
      `fleet A/A: ${WORKERS} workers, ${aaSeconds} s healthy, ` +
        (decided.length === 0
          ? `no decision by the guard after ${watched} canary requests`
          : `the guard decided ${decided.length} time(s) (${decided.map((d) => d.line).join('; ')}) watching ${watched} canary requests`),
    );
    return;
  }

  await sleep(WARM_UP_MS);
  if (decisions().length > 0) throw new Error('fleet: the guard decided during the healthy warm-up');
  const warm = countBetween(load.canaryAt, guardStarted, Date.now());
  log(`healthy for ${WARM_UP_MS / 1000} s under the guard: ${warm} requests on ${CANARY}, no decision`);
  const probeUsers = [...load.canaryUsers].slice(0, 20);
  if (probeUsers.length === 0) throw new Error(`fleet: no request was served by ${CANARY} during the warm-up`);

  const injected = Date.now();
  await setCanaryErrorRate(workers, CANARY_ERROR_RATE);
  log(`injected on every worker: ${CANARY} now fails ${CANARY_ERROR_RATE * 100}% of calls (the others 1%)`, injected);

  const decision = await until('the rollback', DECISION_TIMEOUT_MS, () =>
    guard.lines.find((l) => l.at >= injected && l.line.startsWith('guard: rolled back')),
  );
  // The guard writes the file (a temporary file renamed over it), then prints: the file's time is the decision's.
  const written = statSync(registryPath).mtimeMs;
  const rule = (
    JSON.parse(readFileSync(registryPath, 'utf8')) as {
      flags: { flag: string; rules: { rollout?: { state?: string } }[] }[];
    }
  ).flags.find((f) => f.flag === 'inference_model')!.rules[2]!;
  log(`flags.json now says: rule 3 rollout "state": ${JSON.stringify(rule.rollout?.state)}`, decision.at);
  if (rule.rollout?.state !== 'aborted')
    throw new Error('fleet: the guard printed a rollback that the file does not hold');

  const switched = await Promise.all(workers.map((w) => servesTo(w, probeUsers, CONTROL, 10_000)));
  switched.forEach((time, i) =>
    log(
      `worker ${i + 1} serves ${CONTROL} to ${CANARY}'s users, ${((time - written) / 1000).toFixed(2)} s after the write`,
      time,
    ),
  );
  const pinned = await Promise.all(workers.map((w) => modelServed(w, { user: 'staff-1', segment: 'internal' })));
  log(`internal staff on each worker: ${pinned.join(', ')} (their pin keeps serving)`);

  const allSwitched = Math.max(...switched);
  const canaryRequests = countBetween(load.canaryAt, injected, written);
  log(
    `from the injection: ${((written - injected) / 1000).toFixed(1)} s to the decision (scrape, poll, evidence), ` +
      `${((allSwitched - written) / 1000).toFixed(2)} s more until every worker served ${CONTROL} (file watch)`,
  );
  log(`${load.requests} requests in all, ${load.failed} failed`);
  const seconds = ((allSwitched - injected) / 1000).toFixed(1);
  finished = true;
  console.log(
    `fleet: ${WORKERS} workers, rolled back after ${canaryRequests} canary requests, all workers serving control ${seconds} s later`,
  );
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await shutdown();
}
