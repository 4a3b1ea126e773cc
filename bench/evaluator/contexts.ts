/**
 * The request contexts both evaluator benchmarks use: every request has a user id; segments and
 * customers in realistic proportions (seeded, so every run sees the same contexts).
 */
import { seededRandom as prng } from '../../test/support/random.js';

// A type alias, not an interface, so that it is assignable to the evaluator's context record.
export type BenchContext = {
  targetingKey: string;
  user_segment: string;
  customer_id?: string;
};

export function benchContexts(n: number): BenchContext[] {
  const rnd = prng(42);
  const segments = ['external', 'external', 'external', 'beta', 'free', 'internal'];
  const customers = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'tyrell'];
  const generated: BenchContext[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const b: BenchContext = {
      targetingKey: `user-${Math.floor(rnd() * 1e9).toString(36)}-${i}`,
      user_segment: segments[Math.floor(rnd() * segments.length)]!,
    };
    if (rnd() < 0.3) b.customer_id = customers[Math.floor(rnd() * customers.length)]!;
    generated[i] = b;
  }
  // As a service receives them: parsed from a JSON request body, so their strings are flat (a
  // template literal builds a rope that every SDK would first have to flatten).
  return JSON.parse(JSON.stringify(generated)) as BenchContext[];
}
