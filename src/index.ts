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
} from './runtime/flags.js';
export type { EvaluationRecord } from './runtime/flags.js';
export {
  createMetrics,
  jsonlExporter,
  mannWhitneyTest,
  metricDefinition,
  quantileInterval,
  SlidingWindow,
  STANDARD_METRICS,
  summarizeSamples,
  twoProportionTest,
  welchTest,
  wilsonInterval,
} from './runtime/metrics/metrics.js';
export type {
  Interval,
  JsonlExporter,
  JsonlExporterErrorEvent,
  JsonlExporterOptions,
  MetricDefinition,
  MetricKind,
  MetricsOptions,
  MetricsStore,
  MetricSummary,
  SampleEvent,
  TestResult,
  TrackEvent,
  TrackSource,
  VariantSummary,
} from './runtime/metrics/metrics.js';
export { createGuardrail, createJudgeSampler, DEFAULT_CHECKS, writeKillSwitch } from './runtime/guardrail/guardrail.js';
export { setEnabledFalse } from './registry/edit.js';
export type {
  GuardedFlags,
  Guardrail,
  GuardrailAction,
  GuardrailCheck,
  GuardrailErrorEvent,
  GuardrailOptions,
  GuardrailTrip,
  JudgeSampler,
  JudgeSamplerOptions,
  KillSwitchWriteOptions,
} from './runtime/guardrail/guardrail.js';
export type { SequentialEvidence } from './runtime/guardrail/sequential.js';
export { fileSource, staticSource } from './runtime/sources/sources.js';
export type { FileSourceOptions, FlagSource, SourceDocument, SourceSink } from './runtime/sources/sources.js';
export { httpSource } from './runtime/sources/http.js';
export type { HttpSourceOptions } from './runtime/sources/http.js';
export { compileRegistry, MAX_BUCKETING_VALUE_LENGTH } from './runtime/evaluate/evaluator.js';
export type { ErrorCode, EvaluationContext, Reason, Snapshot } from './runtime/evaluate/evaluator.js';
export { CONDITION_OPERATORS, DIMENSIONS } from './registry/model.js';
export type { AttributeTest, ConditionOperator, Dimension, FlagDefinition, FlagValue, FlagValueType, Registry, RuleDefinition, SplitEntry } from './registry/model.js';
export { formatIssue, parseRegistry, parseRegistryOrThrow, RegistryError } from './registry/validate.js';
export type { RegistryIssue } from './registry/validate.js';
export { loadRegistryFile } from './registry/load.js';
export { bucketOf, murmur3 } from './runtime/evaluate/murmur.js';
