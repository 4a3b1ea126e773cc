/**
 * modelflags runtime. Zero dependencies: this entry never loads the lint rules or the codemod.
 */
export { createFlags, contractBreaches } from './runtime/flags.js';
export type {
  ChangeEvent,
  EvaluationDetail,
  EvaluationEvent,
  Flags,
  FlagsErrorEvent,
  FlagsOptions,
  RegistryContract,
  RolloutStatus,
} from './runtime/flags.js';
export type { EvaluationRecord } from './runtime/flags.js';
export { createMetrics, SlidingWindow } from './runtime/metrics/store.js';
export { jsonlExporter } from './runtime/metrics/jsonl.js';
export { metricDefinition, STANDARD_METRICS } from './runtime/metrics/definitions.js';
export { otelEvaluations, otelMetrics } from './runtime/metrics/otel.js';
export type {
  EvaluationSource,
  OtelEvaluationsOptions,
  OtelHandle,
  OtelHistogram,
  OtelMeter,
  OtelMetricsOptions,
  OtelObservableCounter,
  OtelObservableResult,
  OtelSeriesAttributes,
} from './runtime/metrics/otel.js';
export { quantileInterval, summarizeSamples, wilsonInterval } from './runtime/metrics/statistics.js';
export type { Interval, MetricSummary, VariantSummary } from './runtime/metrics/statistics.js';
export type { JsonlExporter, JsonlExporterErrorEvent, JsonlExporterOptions } from './runtime/metrics/jsonl.js';
export type { MetricDefinition, MetricKind, TrackEvent, TrackSource } from './runtime/metrics/definitions.js';
export type { MetricsOptions, MetricsStore, SampleEvent } from './runtime/metrics/store.js';
export {
  createGuardrail,
  createJudgeSampler,
  DEFAULT_CHECKS,
  writeKillSwitch,
  writeRegistryEdit,
} from './runtime/guardrail/guardrail.js';
export { rollBackVariantInText, setEnabledFalse, setRolloutState } from './registry/edit.js';
export type {
  GuardedFlags,
  Guardrail,
  GuardrailAction,
  GuardrailCheck,
  GuardrailErrorEvent,
  GuardrailOptions,
  GuardrailPromotion,
  GuardrailTrip,
  JudgeSampler,
  JudgeSamplerOptions,
  KillSwitchWriteOptions,
} from './runtime/guardrail/guardrail.js';
export type { SequentialEvidence } from './runtime/guardrail/sequential.js';
export { fileSource } from './runtime/sources/file.js';
export { staticSource } from './runtime/sources/static.js';
export type { FileSourceOptions } from './runtime/sources/file.js';
export type { FlagSource, SourceDocument, SourceSink } from './runtime/sources/source.js';
export { httpSource } from './runtime/sources/http.js';
export type { HttpSourceOptions } from './runtime/sources/http.js';
export { compileRegistry, MAX_BUCKETING_VALUE_LENGTH } from './runtime/evaluate/evaluator.js';
export type { CompileOptions, ErrorCode, EvaluationContext, Reason, Snapshot } from './runtime/evaluate/evaluator.js';
export { CONDITION_OPERATORS, DIMENSIONS } from './registry/model.js';
export type {
  AttributeTest,
  ConditionOperator,
  Dimension,
  FlagDefinition,
  FlagValue,
  FlagValueType,
  Registry,
  RolloutPromotion,
  RolloutSchedule,
  RolloutState,
  RolloutStep,
  RuleDefinition,
  SplitEntry,
} from './registry/model.js';
export { describeRollout, liveRollout } from './registry/rollout.js';
export type { LiveRollout, RolloutPhase } from './registry/rollout.js';
export { formatIssue, parseRegistry, parseRegistryOrThrow, RegistryError } from './registry/validate.js';
export type { RegistryIssue } from './registry/validate.js';
export { loadRegistryFile } from './registry/load.js';
export { bucketOf, murmur3 } from './runtime/evaluate/murmur.js';
