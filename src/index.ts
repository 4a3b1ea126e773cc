/**
 * modelflags runtime. Zero dependencies: this entry never loads the lint rules or the codemod.
 */
export { createFlags, contractBreaches } from './flags.js';
export type {
  ChangeEvent,
  EvaluationDetail,
  EvaluationEvent,
  Flags,
  FlagsErrorEvent,
  FlagsOptions,
  RegistryContract,
} from './flags.js';
export type { EvaluationRecord } from './flags.js';
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
} from './metrics.js';
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
} from './metrics.js';
export { createGuardrail, createJudgeSampler, DEFAULT_CHECKS, setEnabledFalse, writeKillSwitch } from './guardrail.js';
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
} from './guardrail.js';
export type { SequentialEvidence } from './sequential.js';
export { fileSource, staticSource } from './sources.js';
export type { FileSourceOptions, FlagSource, SourceDocument, SourceSink } from './sources.js';
export { httpSource } from './http-source.js';
export type { HttpSourceOptions } from './http-source.js';
export { compileRegistry, MAX_BUCKETING_VALUE_LENGTH } from './evaluator.js';
export type { ErrorCode, EvaluationContext, Reason, Snapshot } from './evaluator.js';
export {
  CONDITION_OPERATORS,
  DIMENSIONS,
  formatIssue,
  loadRegistryFile,
  parseRegistry,
  parseRegistryOrThrow,
  RegistryError,
} from './registry.js';
export type {
  AttributeTest,
  ConditionOperator,
  Dimension,
  FlagDefinition,
  FlagValue,
  FlagValueType,
  Registry,
  RegistryIssue,
  RuleDefinition,
  SplitEntry,
} from './registry.js';
export { bucketOf, murmur3 } from './murmur.js';
