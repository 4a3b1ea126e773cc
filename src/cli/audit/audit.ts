/**
 * `modelflags audit`: flag hygiene across a codebase. Finds flags past `cleanup_by`, registry flags
 * no code reads, reads of flags the registry does not declare, and flags that serve one variant to
 * everyone (ready to remove with `remove-flag`). Reads are found by the same detection the ESLint
 * rules use (eslint-plugin-modelflags), so the audit and the editor agree on what a flag read is;
 * the CLI loads that package when the command runs and hands it in.
 */
import { createHash } from 'node:crypto';
import { relative, resolve, sep } from 'node:path';
import type { Paint } from '../terminal.js';
import type { DetectionEntry } from '../siblings.js';
import { formatIssue, parseRegistry } from '../../registry/validate.js';
import { readRegistryText, RegistryReadError } from '../../registry/load.js';
import type { RegistryReader } from '../../registry/model.js';
import { retirementOf, todayUtc } from '../../registry/retire.js';
import { didYouMean } from '../../registry/suggest.js';

export type FindingKind = 'expired' | 'unused' | 'undeclared' | 'ready-to-remove' | 'unresolved';

export interface Location {
  /** Relative to the audit's working directory, with forward slashes. */
  file: string;
  line: number;
  column: number;
  endLine?: number;
  endColumn?: number;
}

export interface Finding {
  kind: FindingKind;
  /** `error` findings make the audit exit 1; `warning` findings are reported only. */
  level: 'error' | 'warning';
  flag: string | undefined;
  message: string;
  location: Location;
  /** Where the flag is read, for findings about a registry flag. */
  reads: Location[];
  /** The command that fixes it, when there is one. */
  command: string | undefined;
}

export interface AuditResult {
  registry: string;
  today: string;
  filesScanned: number;
  findings: Finding[];
}

export interface AuditOptions {
  cwd: string;
  /** Files or directories to scan (default: the working directory). */
  paths?: readonly string[];
  /** The registry file (default `flags.json` in the working directory). */
  registry?: string;
  /** `YYYY-MM-DD`, UTC (default: today). */
  today?: string;
  /** In-house reader functions, as configured for the ESLint plugin. */
  readers?: readonly RegistryReader[];
  /** Called as files are scanned, for a progress line. */
  onProgress?: (scanned: number, total: number) => void;
}

export class AuditInputError extends Error {}

const RULES: Readonly<Record<FindingKind, { name: string; short: string; full: string; level: 'error' | 'warning' }>> =
  {
    expired: {
      name: 'ExpiredFlag',
      short: 'Flag is past its cleanup_by date',
      full: 'The flag was meant to be removed by its cleanup_by date. Remove it with `npx remove-flag <flag> --keep <variant>`, or move the date if the rollout is still running.',
      level: 'error',
    },
    unused: {
      name: 'UnusedFlag',
      short: 'Registry flag that no code reads',
      full: 'No code reads this flag, so editing it changes nothing. Remove it from the registry, or add the read the flag was created for (a flag whose code has not landed yet is expected here).',
      level: 'warning',
    },
    undeclared: {
      name: 'UndeclaredFlag',
      short: 'Code reads a flag that is not in the registry',
      full: 'The key is not in the registry, so the read gets its default forever (or fails). Add the flag to flags.json or fix the key.',
      level: 'error',
    },
    'ready-to-remove': {
      name: 'FlagReadyToRemove',
      short: 'Flag serves one variant to everyone',
      full: 'Every request gets the same variant (the flag is at 100%, has no rules, or is switched off), so the flag is dead weight once the rollout is over. Remove it with the remove-flag command shown; a brand-new flag with no rules yet is expected here.',
      level: 'warning',
    },
    unresolved: {
      name: 'UnresolvedFlagRead',
      short: 'Flag read the audit cannot resolve',
      full: 'A flag read whose key is computed at run time, or a file that does not parse. The audit cannot tell which flag it reads, so "unused" findings may be wrong. Use a literal or constant key.',
      level: 'warning',
    },
  };

const KIND_ORDER: readonly FindingKind[] = ['expired', 'ready-to-remove', 'unused', 'undeclared', 'unresolved'];

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

export async function runAudit(options: AuditOptions, detection: DetectionEntry): Promise<AuditResult> {
  const { cwd } = options;
  const registryPath = resolve(cwd, options.registry ?? 'flags.json');
  const registryRel = toPosix(relative(cwd, registryPath));
  let text: string;
  try {
    text = readRegistryText(registryPath, registryRel);
  } catch (error) {
    throw error instanceof RegistryReadError ? new AuditInputError(error.message) : error;
  }
  const { registry, issues } = parseRegistry(text, registryRel);
  if (!registry)
    throw new AuditInputError(
      `${issues.map(formatIssue).join('\n')}\n${registryRel}: fix the registry first (\`modelflags check\`), then audit again`,
    );
  const today = options.today ?? todayUtc();

  const keys = new Set(registry.flags.map((f) => f.key));
  const scan = await detection.scanFlagReads({
    cwd,
    paths: options.paths ?? [],
    registryKeys: keys,
    readers: [...registry.readers, ...(options.readers ?? [])],
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  if (!scan.ok) throw new AuditInputError(`${scan.refused.join('\n')}\nNothing was audited.`);
  const readsByFlag = new Map<string, Location[]>();
  const findings: Finding[] = [];
  const unresolved: Finding[] = scan.problems.map((problem) => ({
    kind: 'unresolved',
    level: RULES.unresolved.level,
    flag: undefined,
    message: `${problem.message}; flag reads in this file were not audited`,
    location: { file: problem.file, line: problem.line, column: problem.column },
    reads: [],
    command: undefined,
  }));
  for (const read of scan.reads) {
    const location: Location = {
      file: read.file,
      line: read.line,
      column: read.column,
      endLine: read.endLine,
      endColumn: read.endColumn,
    };
    if (read.key === undefined) {
      if (read.dynamic) {
        unresolved.push({
          kind: 'unresolved',
          level: RULES.unresolved.level,
          flag: undefined,
          message: `${read.method}() reads a flag whose key is computed at run time; the audit cannot tell which flag it is (use a literal or a constant)`,
          location,
          reads: [],
          command: undefined,
        });
      }
      continue;
    }
    if (keys.has(read.key)) {
      let list = readsByFlag.get(read.key);
      if (!list) readsByFlag.set(read.key, (list = []));
      list.push(location);
    } else {
      findings.push({
        kind: 'undeclared',
        level: RULES.undeclared.level,
        flag: read.key,
        message: `reads "${read.key}", which is not in ${registryRel}${didYouMean(read.key, [...keys])}; add the flag to the registry or fix the key`,
        location,
        reads: [],
        command: undefined,
      });
    }
  }

  for (const def of registry.flags) {
    const reads = readsByFlag.get(def.key) ?? [];
    const at = (pointer: string): Location => {
      const pos = registry.json.positionOf(pointer) ?? registry.json.positionOf(def.pointer) ?? { line: 1, column: 1 };
      return { file: registryRel, line: pos.line, column: pos.column };
    };
    const retirement = retirementOf(def, today);
    const sole = retirement.keep;
    const readNote =
      reads.length === 0 ? 'no code reads it' : `read in ${reads.length} place${reads.length === 1 ? '' : 's'}`;
    if (def.cleanupBy !== undefined && def.cleanupBy < today) {
      findings.push({
        kind: 'expired',
        level: RULES.expired.level,
        flag: def.key,
        message: `${def.key} was due for removal on ${def.cleanupBy} (${readNote})${def.owner ? `; owner: ${def.owner}` : ''}`,
        location: at(`${def.pointer}/cleanup_by`),
        reads,
        command: retirement.command,
      });
    }
    if (sole !== undefined) {
      findings.push({
        kind: 'ready-to-remove',
        level: RULES['ready-to-remove'].level,
        flag: def.key,
        message: `${def.key} serves ${JSON.stringify(sole)} to everyone: ${retirement.why} (${readNote})`,
        location: at(`${def.pointer}/flag`),
        reads,
        command: retirement.command,
      });
    }
    if (reads.length === 0) {
      const caveat = unresolved.some((u) => u.message.includes('computed at run time'))
        ? ' (unless one of the dynamic reads below reads it)'
        : '';
      findings.push({
        kind: 'unused',
        level: RULES.unused.level,
        flag: def.key,
        message: `${def.key} is in the registry but no code reads it${caveat}; remove it from ${registryRel}`,
        location: at(`${def.pointer}/flag`),
        reads: [],
        command: undefined,
      });
    }
  }

  const all = [...findings, ...unresolved];
  all.sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      a.location.file.localeCompare(b.location.file) ||
      a.location.line - b.location.line ||
      a.location.column - b.location.column,
  );
  return { registry: registryRel, today, filesScanned: scan.filesScanned, findings: all };
}

export type Level = Finding['level'];
/** `--fail-on`: the least severe level that fails the audit, or `none`. */
export type FailOn = Level | 'none';
export const FAIL_ON = ['error', 'warning', 'none'] as const satisfies readonly FailOn[];

/** Whether the findings fail the audit: any error, any finding at all, or never. */
export function failsAt(result: AuditResult, failOn: FailOn): boolean {
  if (failOn === 'none') return false;
  return result.findings.some((f) => failOn === 'warning' || f.level === 'error');
}

// ---------------------------------------------------------------------------------------------
// Output

const HEADINGS: Record<FindingKind, string> = {
  expired: 'Past cleanup_by',
  'ready-to-remove': 'Ready to remove (one variant for everyone)',
  unused: 'In the registry, read by no code',
  undeclared: 'Read in code, not in the registry',
  unresolved: 'Not audited',
};

const LEVEL_STYLE = { error: 'red', warning: 'yellow' } as const;

/** Grouped text, each finding with its level; `paint` colours it (or not: the CLI decides). */
export function formatText(result: AuditResult, paint: Paint = (_format, text) => text): string {
  const where = (l: Location): string => `${l.file}:${l.line}:${l.column}`;
  const lines: string[] = [];
  for (const kind of KIND_ORDER) {
    const group = result.findings.filter((f) => f.kind === kind);
    if (group.length === 0) continue;
    if (lines.length > 0) lines.push('');
    lines.push(paint(['bold', LEVEL_STYLE[RULES[kind].level]], `${HEADINGS[kind]} (${group.length})`));
    for (const f of group) {
      lines.push(`  ${paint('dim', where(f.location))}  ${paint(LEVEL_STYLE[f.level], f.level)}  ${f.message}`);
      for (const r of f.reads.slice(0, 5)) lines.push(`      ${paint('dim', `read at ${where(r)}`)}`);
      if (f.reads.length > 5) lines.push(`      ${paint('dim', `… and ${f.reads.length - 5} more reads`)}`);
      if (f.command) lines.push(`      run: ${paint('cyan', f.command)}`);
    }
  }
  const errors = result.findings.filter((f) => f.level === 'error').length;
  const warnings = result.findings.length - errors;
  if (lines.length > 0) lines.push('');
  const summary = `${result.filesScanned} files, ${result.registry}: ${errors} problem${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''} (as of ${result.today})`;
  lines.push(paint(errors > 0 ? 'red' : warnings > 0 ? 'yellow' : 'green', summary));
  return lines.join('\n');
}

export function formatJson(result: AuditResult): string {
  return JSON.stringify({ version: 1, ...result }, null, 2);
}

function fingerprint(f: Finding): string {
  // Stable across runs and line moves, so code scanning keeps one alert per problem.
  return createHash('sha256')
    .update(
      `${f.kind}\u0000${f.flag ?? ''}\u0000${f.location.file}${f.kind === 'unresolved' || f.kind === 'undeclared' ? `\u0000${f.location.line}` : ''}`,
    )
    .digest('hex')
    .slice(0, 32);
}

/**
 * A relative path as the URI reference SARIF requires (RFC 3986): every segment percent-encoded,
 * so a `#` or `?` in a file name stays part of the path instead of starting a fragment or query.
 */
function uriReference(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** SARIF 2.1.0 for GitHub code scanning (`github/codeql-action/upload-sarif`). */
export function formatSarif(result: AuditResult, toolVersion: string): string {
  const kinds = KIND_ORDER;
  const region = (l: Location) => ({
    startLine: l.line,
    startColumn: l.column,
    ...(l.endLine !== undefined ? { endLine: l.endLine } : {}),
    ...(l.endColumn !== undefined ? { endColumn: l.endColumn } : {}),
  });
  const physical = (l: Location) => ({
    physicalLocation: { artifactLocation: { uri: uriReference(l.file), uriBaseId: '%SRCROOT%' }, region: region(l) },
  });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'modelflags',
            informationUri: 'https://github.com/modelflags/modelflags',
            version: toolVersion,
            rules: kinds.map((kind) => ({
              id: `modelflags/${kind}`,
              name: RULES[kind].name,
              shortDescription: { text: RULES[kind].short },
              fullDescription: { text: RULES[kind].full },
              defaultConfiguration: { level: RULES[kind].level },
              help: { text: RULES[kind].full },
            })),
          },
        },
        columnKind: 'utf16CodeUnits',
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The directory modelflags audit ran in' } } },
        results: result.findings.map((f) => ({
          ruleId: `modelflags/${f.kind}`,
          ruleIndex: kinds.indexOf(f.kind),
          level: f.level,
          message: { text: f.command ? `${f.message}. Fix: ${f.command}` : f.message },
          locations: [physical(f.location)],
          ...(f.reads.length > 0
            ? {
                relatedLocations: f.reads.map((r, i) => ({
                  id: i + 1,
                  ...physical(r),
                  message: { text: `${f.flag} is read here` },
                })),
              }
            : {}),
          partialFingerprints: { 'modelflagsFinding/v1': fingerprint(f) },
        })),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2);
}
