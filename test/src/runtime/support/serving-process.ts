/**
 * The parent's handle on a {@link ./serving-child.ts} process: its messages in order, waits for
 * the next one that matches, and its exit. A wait fails when the child exits or stops answering
 * (a blocked event loop); its deadline only bounds how long a failure takes to report and is
 * never what makes a test pass.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServingChildConfig } from './serving-child.js';

export type ChildMessage =
  | { type: 'started' }
  | { type: 'fatal'; message: string }
  | { type: 'change'; generation: unknown }
  | { type: 'error'; code: string; message: string }
  | { type: 'violation'; message: string }
  | { type: 'pong'; generation: unknown; evaluations: number };

const CHILD = fileURLToPath(new URL('./serving-child.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../..', import.meta.url));

/** How long a healthy child may take to react; only ever reached when something is wrong. */
const UNRESPONSIVE_MS = 15_000;

export class ServingProcess {
  readonly messages: ChildMessage[] = [];
  private readonly child: ChildProcess;
  private stderr = '';
  private exit: string | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(config: ServingChildConfig) {
    this.child = spawn(
      process.execPath,
      ['--conditions=modelflags-source', '--import', 'tsx', CHILD, JSON.stringify(config)],
      { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
    );
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.child.on('message', (message) => {
      this.messages.push(message as ChildMessage);
      this.wake();
    });
    this.child.on('exit', (code, signal) => {
      this.exit = `exited (code ${code}, signal ${signal})`;
      this.wake();
    });
  }

  /** Messages that say the child served something wrong. */
  violations(): string[] {
    return this.messages.flatMap((m) => (m.type === 'violation' ? [m.message] : []));
  }

  /** The first message after index `from` that satisfies `accept`. */
  async next<T extends ChildMessage>(
    what: string,
    accept: (m: ChildMessage) => m is T,
    from = this.messages.length,
  ): Promise<T> {
    const deadline = Date.now() + UNRESPONSIVE_MS;
    for (;;) {
      const found = this.messages.slice(from).find(accept);
      if (found) return found;
      if (this.exit !== undefined)
        throw new Error(`the serving process ${this.exit} while waiting for ${what}:\n${this.stderr}`);
      if (Date.now() > deadline) {
        const last = this.messages
          .slice(from)
          .slice(-5)
          .map((m) => JSON.stringify(m));
        throw new Error(
          `the serving process stopped answering (blocked?) while waiting for ${what}; its last messages since:\n${last.join('\n')}\n${this.stderr}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves with a fresh answer from the child's event loop: it is alive and not blocked. */
  async ping(): Promise<{ generation: unknown; evaluations: number }> {
    const from = this.messages.length;
    this.child.send('ping');
    return this.next('an answer to ping', (m): m is Extract<ChildMessage, { type: 'pong' }> => m.type === 'pong', from);
  }

  /** Ends the child, blocked or not. */
  async stop(): Promise<void> {
    if (this.exit !== undefined) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** Exit status once it has exited on its own, else undefined. */
  exitStatus(): string | undefined {
    return this.exit;
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }
}

export const isType =
  <K extends ChildMessage['type']>(type: K, test: (m: Extract<ChildMessage, { type: K }>) => boolean = () => true) =>
  (m: ChildMessage): m is Extract<ChildMessage, { type: K }> =>
    m.type === type && test(m as Extract<ChildMessage, { type: K }>);
