import type { ChangeEvent, Flags, FlagsErrorEvent } from '../../src/runtime/flags.js';

/**
 * The next `event` of `flags` that satisfies `accept`. Bounded by the test timeout rather than a
 * clock of its own, so slow machines do not fail tests and no assertion depends on timing.
 */
export function nextFlagsEvent<E extends 'change' | 'error'>(
  flags: Pick<Flags, 'on'>,
  event: E,
  accept: (payload: E extends 'change' ? ChangeEvent : FlagsErrorEvent) => boolean = () => true,
): Promise<E extends 'change' ? ChangeEvent : FlagsErrorEvent> {
  type Payload = E extends 'change' ? ChangeEvent : FlagsErrorEvent;
  return new Promise((resolve) => {
    const stop = flags.on(event, ((payload: Payload) => {
      if (!accept(payload)) return;
      stop();
      resolve(payload);
    }) as never);
  });
}
