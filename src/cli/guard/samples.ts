/**
 * From counters to samples: the increase of each worker's counters since the last poll, summed
 * over the fleet per variant and metric, and laid out as the individual outcomes the guardrail
 * takes one at a time.
 */
import { BAD_COUNTER, SAMPLES_COUNTER, type PromSeries } from './prometheus.js';

/** Outcomes counted since the last poll, for one variant and metric. */
export interface Increase {
  variant: string;
  metric: string;
  samples: number;
  bad: number;
}

/** A series not seen for this long is forgotten; if it comes back, all of its count is new. */
const FORGET_AFTER_MS = 3_600_000;

/**
 * Keeps the last value of every counter series (one per worker, variant, metric and counter) and
 * turns each poll into increases. A value below the last one is a counter reset (the worker
 * restarted), and the increase is the new value, as Prometheus's `increase()` counts it. The first
 * poll only takes the baseline: a guard that starts (or restarts) counts what happens from then on.
 * A series that appears later is new since the last poll (a worker that started, or served the
 * variant for the first time), so all of its value counts. A series missing from a poll (its worker
 * down, or a failed scrape) keeps its last value, so nothing is counted twice when it returns.
 */
export class CounterTracker {
  private readonly last = new Map<string, { value: number; seenAt: number }>();
  private baselined = false;
  /** Bad outcomes counted ahead of their samples (the two counters scraped between the two increments), for one poll. */
  private carry = new Map<string, number>();

  /** Whether the baseline has been taken (the first successful poll). */
  get started(): boolean {
    return this.baselined;
  }

  observe(series: readonly PromSeries[], now: number): Increase[] {
    const totals = new Map<string, Increase>();
    for (const { labels, value } of series) {
      const name = labels['__name__'];
      const variant = labels['feature_flag_result_variant'];
      const metric = labels['modelflags_metric'];
      if ((name !== SAMPLES_COUNTER && name !== BAD_COUNTER) || variant === undefined || metric === undefined) continue;
      const key = seriesKey(labels);
      const before = this.last.get(key);
      this.last.set(key, { value, seenAt: now });
      if (!this.baselined) continue;
      const increase = before === undefined ? value : value >= before.value ? value - before.value : value;
      if (increase <= 0) continue;
      const id = `${variant}\u0000${metric}`;
      let total = totals.get(id);
      if (!total) totals.set(id, (total = { variant, metric, samples: 0, bad: 0 }));
      if (name === SAMPLES_COUNTER) total.samples += increase;
      else total.bad += increase;
    }
    for (const [key, { seenAt }] of this.last) if (now - seenAt > FORGET_AFTER_MS) this.last.delete(key);
    if (!this.baselined) {
      this.baselined = true;
      return [];
    }
    const carried = this.carry;
    this.carry = new Map();
    for (const [id, bad] of carried) {
      const [variant, metric] = id.split('\u0000') as [string, string];
      let total = totals.get(id);
      if (!total) totals.set(id, (total = { variant, metric, samples: 0, bad: 0 }));
      total.bad += bad;
    }
    const out: Increase[] = [];
    for (const [id, total] of totals) {
      const samples = Math.round(total.samples);
      const bad = Math.min(Math.round(total.bad), samples);
      // Kept for the next poll only: beyond that the counters disagree for good (a reset between them).
      if (!carried.has(id) && Math.round(total.bad) > bad) this.carry.set(id, Math.round(total.bad) - bad);
      if (samples > 0) out.push({ variant: total.variant, metric: total.metric, samples, bad });
    }
    return out;
  }
}

function seriesKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

/** One outcome to feed: the variant that served it, the metric, and whether it was bad. */
export interface Outcome {
  variant: string;
  metric: string;
  bad: boolean;
}

/**
 * The outcomes of one poll in a uniformly random order: a Fisher-Yates shuffle of all of them, so
 * the arms are interleaved uniformly at random and, within an arm, the bad ones are at uniformly
 * random places. Why that keeps the guardrail's guarantee: the guardrail's e-process is a test
 * supermartingale for any order of arms chosen without looking at the outcomes, provided that the
 * outcomes of an arm are independent given the arms (docs/guardrails.md). Under the null the
 * outcomes of an arm within a poll are exchangeable, so given the poll's counts, a uniformly random
 * order of them has the same law as the order they really arrived in; and the order of arms drawn
 * here depends only on the counts of requests per arm, not on which were bad. So the sequence fed
 * has the law of a sequence the guardrail is valid for, and its e-process keeps E <= 1 at every
 * stopping time: in particular at the ends of polls, the only moments the guard acts on, and where
 * it sees new data.
 */
export function shuffledOutcomes(increases: readonly Increase[], random: () => number): Outcome[] {
  const outcomes: Outcome[] = [];
  for (const { variant, metric, samples, bad } of increases)
    for (let i = 0; i < samples; i++) outcomes.push({ variant, metric, bad: i < bad });
  for (let i = outcomes.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = outcomes[i]!;
    outcomes[i] = outcomes[j]!;
    outcomes[j] = t;
  }
  return outcomes;
}
