/** The command's input, checked all at once before anything is touched: the registry, the flags, the paths. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  didYouMean,
  formatIssue,
  parseRegistry,
  type FlagDefinition,
  type FlagValue,
  type Registry,
} from 'modelflags/registry';
import type { FlagToRemove } from './remove-flag.js';
import type { InputError } from './report.js';

export interface Inputs {
  registryBytes: Buffer;
  registryText: string;
  registry: Registry;
  /** Retired flag key → kept value. */
  decisions: Map<string, FlagValue>;
  /**
   * Flags named that are not in the registry → `--keep` as typed: retired already, or never flags
   * (absent-flags.ts checks that no code reads them before saying there is nothing to do).
   */
  absent: Map<string, string>;
}

/**
 * The registry read and each `--keep` checked against its flag; `flags` lists the decisions taken
 * (also when another flag or a path is wrong, for the report). A flag not in the registry is not
 * an error here: it goes to `absent`.
 */
export function readInputs(
  registryPath: string,
  flags: readonly FlagToRemove[],
  cwd: string,
  paths: readonly string[],
  display: (file: string) => string,
): { inputs: Inputs | undefined; errors: InputError[]; flags: { flag: string; kept: FlagValue }[] } {
  const refuse = (errors: InputError[]): ReturnType<typeof readInputs> => ({ inputs: undefined, errors, flags: [] });
  let registryBytes: Buffer;
  try {
    registryBytes = readFileSync(registryPath);
  } catch {
    return refuse([
      {
        file: display(registryPath),
        message: `cannot read the registry ${display(registryPath)}: pass the path of your flags.json with --registry`,
      },
    ]);
  }
  const registryText = decodeUtf8(registryBytes);
  if (registryText === undefined)
    return refuse([
      {
        file: display(registryPath),
        message: `${display(registryPath)} is not UTF-8 text: save it as UTF-8 and run again`,
      },
    ]);
  const parsed = parseRegistry(registryText, display(registryPath));
  if (!parsed.registry)
    return refuse(
      parsed.issues.map((i) => ({ file: i.file, line: i.line, column: i.column, message: formatIssue(i) })),
    );
  const registry = parsed.registry;
  if (flags.length === 0) return refuse([{ message: 'name the flag to remove: remove-flag <flag> --keep <variant>' }]);
  const decisions = new Map<string, FlagValue>();
  const absent = new Map<string, string>();
  const decided: { flag: string; kept: FlagValue }[] = [];
  const errors: InputError[] = [];
  for (const { flag, keep } of flags) {
    const def = registry.byKey.get(flag);
    if (!def) {
      absent.set(flag, keep);
      continue;
    }
    const kept = parseKeep(def, keep);
    if (kept === undefined) {
      const pos = registry.json.positionOf(`${def.pointer}/variants`) ?? registry.json.positionOf(def.pointer);
      const strings = def.variants.filter((v): v is string => typeof v === 'string');
      errors.push({
        file: display(registryPath),
        ...(pos ? { line: pos.line, column: pos.column } : {}),
        message: `--keep ${JSON.stringify(keep)} is not a variant of ${flag}${didYouMean(keep, strings)}; its variants are ${def.variants.map((v) => JSON.stringify(v)).join(', ')}`,
      });
      continue;
    }
    decisions.set(flag, kept);
    decided.push({ flag, kept });
  }
  for (const p of paths) if (!existsSync(resolve(cwd, p))) errors.push({ file: p, message: `path not found: ${p}` });
  if (errors.length > 0) return { inputs: undefined, errors, flags: decided };
  return { inputs: { registryBytes, registryText, registry, decisions, absent }, errors, flags: decided };
}

/** `--keep` read as the flag's type, or undefined when it is not one of its variants. */
export function parseKeep(def: FlagDefinition, keep: string): FlagValue | undefined {
  let value: FlagValue | undefined = keep;
  if (def.type === 'number') value = keep.trim() === '' || !Number.isFinite(Number(keep)) ? undefined : Number(keep);
  else if (def.type === 'boolean') value = keep === 'true' ? true : keep === 'false' ? false : undefined;
  return value !== undefined && def.variants.includes(value) ? value : undefined;
}

/** UTF-8 text, or undefined for bytes that are not (decoding would put U+FFFD in their place). A BOM stays in the text. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
