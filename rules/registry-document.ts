/**
 * The registry file as the JSON rules see it: each flag entry with its raw `cleanup_by` and the
 * line and column of every field, read leniently so a file that fails validation elsewhere still
 * gets its dates checked.
 */
import { parseJsonWithPositions, pointerOf, type LocatedJson, type SourcePosition } from 'modelflags/registry';
import { parseRegistry, type FlagDefinition } from 'modelflags/registry';

export interface RegistryEntry {
  key: string;
  pointer: string;
  /** The raw `cleanup_by` value, undefined when absent. */
  cleanupBy: unknown;
  /** The validated flag when the whole document is a valid registry. */
  definition: FlagDefinition | undefined;
}

export interface RegistryDocument {
  entries: RegistryEntry[];
  json: LocatedJson;
}

const documents = new Map<string, RegistryDocument | undefined>();

export function readRegistryDocument(text: string, file: string): RegistryDocument | undefined {
  const cacheKey = `${file}\u0000${text}`;
  if (documents.has(cacheKey)) return documents.get(cacheKey);
  if (documents.size > 16) documents.clear();
  let doc: RegistryDocument | undefined;
  try {
    const json = parseJsonWithPositions(text);
    const root = json.value as { flags?: unknown } | null;
    const flags = root && typeof root === 'object' && Array.isArray(root.flags) ? (root.flags as unknown[]) : undefined;
    if (flags) {
      const { registry } = parseRegistry(text, file);
      const entries: RegistryEntry[] = [];
      flags.forEach((raw, index) => {
        if (!raw || typeof raw !== 'object' || typeof (raw as { flag?: unknown }).flag !== 'string') return;
        const r = raw as { flag: string; cleanup_by?: unknown };
        entries.push({
          key: r.flag,
          pointer: pointerOf(['flags', index]),
          cleanupBy: r.cleanup_by,
          definition: registry?.byKey.get(r.flag),
        });
      });
      doc = { entries, json };
    }
  } catch {
    // Not JSON: @eslint/json reports the syntax error itself.
    doc = undefined;
  }
  documents.set(cacheKey, doc);
  return doc;
}

/** ESLint location for a JSON pointer: the value, else the member key, else the start. */
export function jsonLoc(json: LocatedJson, pointer: string, atKey = false): { line: number; column: number } {
  const pos: SourcePosition | undefined =
    (atKey ? json.keyPositionOf(pointer) : undefined) ?? json.positionOf(pointer) ?? json.positionOf('');
  return { line: pos?.line ?? 1, column: pos?.column ?? 1 };
}
