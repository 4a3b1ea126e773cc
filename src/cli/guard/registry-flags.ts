/**
 * The flags client the guard hands the guardrail: not a server's client evaluating requests, but
 * the registry's source of truth (the shared file, or AppConfig's latest hosted version) with the
 * guardrail's in-memory decisions on top, and the fleet's outcomes replayed as `track` events.
 */
import type { GuardedFlags } from '../../runtime/guardrail/guardrail.js';
import type { TrackEvent } from '../../runtime/metrics/definitions.js';
import type { FlagDefinition, FlagValue, Registry } from '../../registry/model.js';
import { liveRollout, promoteRollout, rollBackVariant } from '../../registry/rollout.js';

interface ChangeEvent {
  flagsChanged: string[];
  origin: string;
}

export interface RegistryFlags extends GuardedFlags {
  /**
   * A document read from the source of truth. A new text ends the in-memory decisions, as a
   * server's reload does, and is announced as a change of the flag, so the guardrail learns
   * whether the file recorded its trip (or undid a recorded one).
   */
  load(registry: Registry, text: string): void;
  /** Announces a change when a rollout of the flag moved on a step by the clock since the last call. */
  tick(now: number): void;
  track(event: TrackEvent): void;
}

export function registryFlags(flag: string, initial: Registry, initialText: string): RegistryFlags {
  let registry = initial;
  let text = initialText;
  let override: FlagDefinition | undefined;
  const trackListeners = new Set<(event: TrackEvent) => void>();
  const changeListeners = new Set<(event: ChangeEvent) => void>();

  const definition = (): FlagDefinition | undefined => override ?? registry.byKey.get(flag);
  const emit = (origin: string): void => {
    for (const l of [...changeListeners]) l({ flagsChanged: [flag], origin });
  };
  const steps = (now: number): string =>
    (definition()?.rules ?? []).flatMap((r) => (r.rollout ? [liveRollout(r.rollout, now).step] : [])).join(',');
  let lastSteps = steps(Date.now());
  const replace = (def: FlagDefinition, origin: string): void => {
    override = def;
    lastSteps = steps(Date.now());
    emit(origin);
  };

  return {
    on(event: 'track' | 'change', listener: ((e: TrackEvent) => void) | ((e: ChangeEvent) => void)) {
      const set = (event === 'track' ? trackListeners : changeListeners) as Set<typeof listener>;
      set.add(listener);
      return () => set.delete(listener);
    },
    registry() {
      if (override === undefined) return registry;
      const flags = registry.flags.map((d) => (d.key === flag ? override! : d));
      return { ...registry, flags, byKey: new Map(flags.map((d) => [d.key, d])) };
    },
    kill(key, reason = 'killed') {
      const def = definition();
      if (key !== flag || def === undefined || !def.enabled) return false;
      replace({ ...def, enabled: false }, reason);
      return true;
    },
    rollBack(key, variant, options = {}) {
      const def = definition();
      if (key !== flag || def === undefined) return false;
      const rolledBack = rollBackVariant(def, variant, options.control ?? def.defaultValue);
      if (rolledBack === undefined) return false;
      replace(rolledBack, options.reason ?? `rolled back ${String(variant)}`);
      return true;
    },
    promote(key, variant: FlagValue, reason) {
      const def = definition();
      if (key !== flag || def === undefined) return undefined;
      const promotion = promoteRollout(def, variant, Date.now());
      if (promotion === undefined) return undefined;
      replace(promotion.def, reason ?? `promoted ${String(variant)} to step ${promotion.step + 1}`);
      return { ruleIndex: promotion.ruleIndex, step: promotion.step };
    },
    rollout(key) {
      const def = key === flag ? definition() : registry.byKey.get(key);
      const now = Date.now();
      return (def?.rules ?? []).flatMap((r) =>
        r.rollout ? [{ variant: r.rollout.variant, step: liveRollout(r.rollout, now).step }] : [],
      );
    },
    load(next, nextText) {
      if (nextText === text) return;
      registry = next;
      text = nextText;
      override = undefined;
      lastSteps = steps(Date.now());
      emit(next.file);
    },
    tick(now) {
      const current = steps(now);
      if (current === lastSteps) return;
      lastSteps = current;
      emit('rollout schedule');
    },
    track(event) {
      for (const l of trackListeners) l(event);
    },
  } as RegistryFlags;
}
