/**
 * `modelflags/openfeature`: an OpenFeature server provider over the modelflags evaluator. Lives in
 * its own entry so the main `modelflags` entry never loads `@openfeature/server-sdk`.
 */
import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  StandardResolutionReasons,
  type EvaluationContext,
  type FlagMetadata,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
  type TrackingEventDetails,
} from '@openfeature/server-sdk';
import { createFlags, type EvaluationDetail, type Flags, type RegistryContract } from './flags.js';
import type { FlagValueType } from '../registry/model.js';
import type { FlagSource } from './sources/source.js';

/**
 * The part of a flags client the provider uses. Structural, so a client typed by the generated
 * module (`Flags<FlagValues, FlagContext>`) is accepted as well as an untyped one.
 */
export interface ProviderFlags {
  detail(flag: never, context?: never): EvaluationDetail;
  on: Flags['on'];
  readonly ready: Promise<void>;
  registry: Flags['registry'];
  /** The metrics entry point; optional so that clients without metrics can be served too. */
  track?(request: never, metric: string, value?: number | boolean): void;
  close(): void;
}

export type ModelFlagsProviderOptions =
  | {
      /** An existing client; the provider serves it and leaves closing it to you. */
      flags: ProviderFlags;
    }
  | {
      /** A source the provider opens its own client on, and closes in `onClose`. */
      source: FlagSource;
      /** The generated module's `flagContract`: reloads that break the compiled types are rejected. */
      contract?: RegistryContract;
    };

type Detail = (flag: string, context: EvaluationContext) => EvaluationDetail;

export class ModelFlagsProvider implements Provider {
  readonly metadata = { name: 'modelflags' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();

  private readonly flags: ProviderFlags;
  private readonly ownsFlags: boolean;
  private readonly unsubscribe: (() => void)[] = [];
  /** Set while the last document from the source was rejected; the next accepted change clears it. */
  private stale = false;

  constructor(options: ModelFlagsProviderOptions) {
    if ('flags' in options) {
      this.flags = options.flags;
      this.ownsFlags = false;
    } else {
      this.flags = createFlags({ source: options.source, ...(options.contract ? { contract: options.contract } : {}) });
      this.ownsFlags = true;
    }
    this.unsubscribe.push(
      this.flags.on('change', ({ flagsChanged, origin }) => {
        if (this.stale) {
          this.stale = false;
          this.events.emit(ProviderEvents.Ready, { message: `serving a new registry from ${origin}` });
        }
        this.events.emit(ProviderEvents.ConfigurationChanged, {
          flagsChanged,
          message: `registry reloaded from ${origin}`,
        });
      }),
      this.flags.on('error', ({ flag, message }) => {
        // Evaluation errors are already reported in each resolution's details; only a rejected
        // document or a failing source means the served flags may be out of date.
        if (flag !== undefined) return;
        this.stale = true;
        this.events.emit(ProviderEvents.Stale, { message });
      }),
    );
  }

  async initialize(): Promise<void> {
    await this.flags.ready;
    if (this.flags.registry() === undefined) {
      throw new Error(
        'modelflags: no registry could be loaded from the source; see the flags client `error` events for why',
      );
    }
  }

  async onClose(): Promise<void> {
    for (const stop of this.unsubscribe.splice(0)) stop();
    if (this.ownsFlags) this.flags.close();
  }

  resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context, 'boolean'));
  }

  resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context, 'string'));
  }

  resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<number>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context, 'number'));
  }

  /** Registry flags are strings, numbers or booleans, never objects: an existing flag is a type mismatch. */
  resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return Promise.resolve(this.resolve(flagKey, defaultValue, context, 'object'));
  }

  /**
   * Records an outcome (latency, tokens, a rating) against the variants this context is served,
   * through the flags client's metrics. `details.value` is the measurement; an event without one
   * counts as 1.
   */
  track(trackingEventName: string, context: EvaluationContext, details: TrackingEventDetails): void {
    this.flags.track?.(context as never, trackingEventName, details.value ?? 1);
  }

  private resolve<T>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
    expected: FlagValueType | 'object',
  ): ResolutionDetails<T> {
    const definition = this.flags.registry()?.byKey.get(flagKey);
    if (definition !== undefined && definition.type !== expected) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.TYPE_MISMATCH,
        errorMessage: `${flagKey}: the registry flag serves ${definition.type} values, but it was read as ${article(expected)} ${expected}; use get${capitalise(definition.type)}Value`,
        flagMetadata: metadataOf(this.flags, flagKey, undefined),
      };
    }
    const detail = (this.flags.detail as unknown as Detail)(flagKey, context);
    if (detail.errorCode !== undefined) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode[detail.errorCode],
        ...(detail.errorMessage !== undefined ? { errorMessage: detail.errorMessage } : {}),
        flagMetadata: metadataOf(this.flags, flagKey, undefined),
      };
    }
    return {
      value: detail.value as T,
      ...(detail.variant !== undefined ? { variant: detail.variant } : {}),
      reason: StandardResolutionReasons[detail.reason],
      flagMetadata: metadataOf(this.flags, flagKey, detail.ruleIndex),
    };
  }
}

/** Registry hygiene fields and the deciding rule, for hooks and telemetry. */
function metadataOf(flags: ProviderFlags, flagKey: string, ruleIndex: number | undefined): FlagMetadata {
  const def = flags.registry()?.byKey.get(flagKey);
  const metadata: FlagMetadata = {};
  if (def === undefined) return metadata;
  if (def.dimension !== undefined) metadata['dimension'] = def.dimension;
  if (def.owner !== undefined) metadata['owner'] = def.owner;
  if (def.cleanupBy !== undefined) metadata['cleanup_by'] = def.cleanupBy;
  if (ruleIndex !== undefined) metadata['rule_index'] = ruleIndex;
  return metadata;
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
