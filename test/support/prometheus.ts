/**
 * A real Prometheus (the Debian package's /usr/bin/prometheus) on loopback, with a temporary data
 * directory, scraping test endpoints every second; and the endpoints: tiny HTTP servers that serve
 * the modelflags counters in Prometheus's text format, with values the test sets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeServer } from './loopback.js';

const PROMETHEUS_BIN = '/usr/bin/prometheus';

/** A free loopback port, for a server that is not ours to bind (Prometheus). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface PrometheusOptions {
  /** `host:port` of each target to scrape, in one job. */
  targets: readonly string[];
  scrapeInterval?: string;
}

/** A Prometheus server: `start`, `stop` and `start` again (same port and data, as a restart), `close` to clean up. */
export class TestPrometheus {
  readonly dir = mkdtempSync(join(tmpdir(), 'modelflags-prometheus-'));
  port = 0;
  private child: ChildProcess | undefined;
  private log = '';

  constructor(private readonly options: PrometheusOptions) {
    if (!existsSync(PROMETHEUS_BIN))
      throw new Error(
        `${PROMETHEUS_BIN} is missing: these tests run a real Prometheus. .ci/run installs it (the Debian package "prometheus"); ` +
          'here: apt-get update && apt-get install -y --no-install-recommends prometheus',
      );
    const interval = options.scrapeInterval ?? '1s';
    writeFileSync(
      join(this.dir, 'prometheus.yml'),
      [
        'global:',
        `  scrape_interval: ${interval}`,
        `  scrape_timeout: ${interval}`,
        `  evaluation_interval: ${interval}`,
        'scrape_configs:',
        '  - job_name: workers',
        '    static_configs:',
        `      - targets: [${options.targets.map((t) => `'${t}'`).join(', ')}]`,
        '',
      ].join('\n'),
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const child = spawn(
      PROMETHEUS_BIN,
      [
        `--config.file=${join(this.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--storage.tsdb.retention.time=1h',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    this.child = child;
    child.stderr!.on('data', (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-4000)));
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${this.log}`);
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
        data: { activeTargets: { health: string }[] };
      };
      const active = body.data.activeTargets;
      if (active.length === this.options.targets.length && active.every((t) => t.health === 'up')) return;
      if (Date.now() > deadline) throw new Error(`targets not up after 30 s: ${JSON.stringify(active)}`);
      await sleep(200);
    }
  }

  /** An instant query's vector, for assertions. */
  async query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const body = (await (await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`)).json()) as {
      data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return body.data.result;
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killed = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killed);
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Counts of one flag, variant and metric on one endpoint. */
interface Counts {
  samples: number;
  bad: number;
}

/**
 * One worker's `/metrics`: `modelflags_samples_total` and `modelflags_bad_samples_total` per flag,
 * variant and metric, as the OpenTelemetry Prometheus exporter names them, with values the test
 * adds to (and resets, as a restarted worker does).
 */
export class CounterEndpoint {
  private readonly counts = new Map<string, Counts>();
  private server: Server | undefined;
  port = 0;
  scrapes = 0;

  add(flag: string, variant: string, metric: string, samples: number, bad: number): void {
    const key = JSON.stringify([flag, variant, metric]);
    const c = this.counts.get(key) ?? { samples: 0, bad: 0 };
    this.counts.set(key, { samples: c.samples + samples, bad: c.bad + bad });
  }

  get(flag: string, variant: string, metric: string): Counts {
    return this.counts.get(JSON.stringify([flag, variant, metric])) ?? { samples: 0, bad: 0 };
  }

  /** A worker restart: every counter of `flag` starts again from 0. */
  reset(flag: string): void {
    for (const key of [...this.counts.keys()]) if ((JSON.parse(key) as string[])[0] === flag) this.counts.delete(key);
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  text(): string {
    const lines = ['# TYPE modelflags_samples_total counter', '# TYPE modelflags_bad_samples_total counter'];
    for (const [key, c] of this.counts) {
      const [flag, variant, metric] = JSON.parse(key) as [string, string, string];
      const labels = `feature_flag_key="${flag}",feature_flag_provider_name="modelflags",feature_flag_result_variant="${variant}",modelflags_metric="${metric}"`;
      lines.push(
        `modelflags_samples_total{${labels}} ${c.samples}`,
        `modelflags_bad_samples_total{${labels}} ${c.bad}`,
      );
    }
    return `${lines.join('\n')}\n`;
  }

  async start(): Promise<void> {
    this.server = createHttpServer((req, res) => {
      if (req.url !== '/metrics') return void res.writeHead(404).end();
      this.scrapes++;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(this.text());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
    this.server = undefined;
  }
}
