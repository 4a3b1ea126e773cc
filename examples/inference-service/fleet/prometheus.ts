/**
 * The fleet's monitoring: a real Prometheus (the Debian package's /usr/bin/prometheus) on loopback,
 * with its configuration and data in a temporary directory, scraping the workers every second.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const PROMETHEUS_BIN = '/usr/bin/prometheus';

export function missingPrometheus(): string | undefined {
  if (existsSync(PROMETHEUS_BIN)) return undefined;
  return (
    `${PROMETHEUS_BIN} is missing: the fleet example runs a real Prometheus. .ci/run installs it ` +
    '(the Debian package "prometheus"); here: apt-get update && apt-get install -y --no-install-recommends prometheus'
  );
}

/** A loopback port free now: Prometheus takes its listen address as a flag, so it cannot report one it chose. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export class Prometheus {
  private child: ChildProcess | undefined;
  private log = '';
  url = '';

  /** `dir`: for its configuration and data, removed by the caller; `targets`: `host:port` of each worker's metrics endpoint. */
  constructor(
    private readonly dir: string,
    private readonly targets: readonly string[],
    private readonly scrapeInterval = '1s',
  ) {}

  async start(): Promise<void> {
    const missing = missingPrometheus();
    if (missing) throw new Error(missing);
    const interval = this.scrapeInterval;
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(
      join(this.dir, 'prometheus.yml'),
      [
        'global:',
        `  scrape_interval: ${interval}`,
        `  scrape_timeout: ${interval}`,
        `  evaluation_interval: ${interval}`,
        'scrape_configs:',
        '  - job_name: inference-service',
        '    static_configs:',
        `      - targets: [${this.targets.map((t) => `'${t}'`).join(', ')}]`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    const child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(this.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    child.stderr!.on('data', (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-4000)));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`prometheus exited (${child.exitCode ?? child.signalCode}):\n${this.log}`);
      try {
        if ((await fetch(`${this.url}/-/ready`)).ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) throw new Error(`prometheus not ready after 30 s:\n${this.log}`);
      await sleep(100);
    }
  }

  /** Waits until every target has been scraped successfully. */
  async targetsUp(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const body = (await (await fetch(`${this.url}/api/v1/targets`)).json()) as {
        data: { activeTargets: { health: string; lastError: string }[] };
      };
      const active = body.data.activeTargets;
      if (active.length === this.targets.length && active.every((t) => t.health === 'up')) return;
      if (Date.now() > deadline) throw new Error(`targets not up after 30 s: ${JSON.stringify(active)}`);
      await sleep(200);
    }
  }

  /** An instant query's vector. */
  async query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const body = (await (await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`)).json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return body.data.result;
  }

  /** Stops the server (SIGTERM, SIGKILL after 10 s); safe to call twice. */
  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killed);
    }
  }
}
