/**
 * Edits `flags.json` by splicing its text, so everything but the retired flag stays byte-for-byte
 * as the team formatted it (indentation, key order, blank lines, trailing newline).
 */
import { JsonSyntaxError, parseJsonWithPositions, pointerOf, valueAtPointer, type LocatedJson } from './json.js';
import type { FlagDefinition, FlagValue } from './model.js';

/** Removes the flag's object from the `flags` array. */
export function removeFlagEntry(text: string, flag: FlagDefinition): string {
  const json = parseJsonWithPositions(text);
  const index = arrayIndexOf(flag.pointer);
  const range = mustRange(json, flag.pointer);
  const previous = json.rangeOf(`/flags/${index - 1}`);
  const next = json.rangeOf(`/flags/${index + 1}`);
  // Take the separating comma with the entry: the one before it, or the one after it when it is first.
  if (previous) return text.slice(0, previous[1]) + text.slice(range[1]);
  if (next) return text.slice(0, range[0]) + text.slice(next[0]);
  const array = mustRange(json, '/flags');
  return `${text.slice(0, array[0])}[]${text.slice(array[1])}`;
}

/**
 * Leaves the entry in place serving the kept value to everyone (`default` = kept, no rules), for
 * when some reads still need a human: the runtime already behaves as decided.
 */
export function collapseFlagEntry(text: string, flag: FlagDefinition, kept: FlagValue): string {
  let out = text;
  const json = parseJsonWithPositions(out);
  const rules = `${flag.pointer}/rules`;
  if (json.rangeOf(rules)) out = removeMember(out, json, flag.pointer, 'rules');
  const after = parseJsonWithPositions(out);
  const def = mustRange(after, `${flag.pointer}/default`);
  out = out.slice(0, def[0]) + JSON.stringify(kept) + out.slice(def[1]);
  const enabled = parseJsonWithPositions(out);
  if (enabled.rangeOf(`${flag.pointer}/enabled`)) out = removeMember(out, enabled, flag.pointer, 'enabled');
  return out;
}

function removeMember(text: string, json: LocatedJson, objectPointer: string, member: string): string {
  const object = json.value as Record<string, unknown>;
  const parent = valueAtPointer(object, objectPointer) as Record<string, unknown>;
  const keys = Object.keys(parent);
  const at = keys.indexOf(member);
  const range = mustRange(json, `${objectPointer}/${member}`);
  const keyStart = json.keyOffsetOf(`${objectPointer}/${member}`)!;
  const previousKey = keys[at - 1];
  const nextKey = keys[at + 1];
  if (previousKey !== undefined)
    return text.slice(0, mustRange(json, `${objectPointer}/${previousKey}`)[1]) + text.slice(range[1]);
  if (nextKey !== undefined)
    return text.slice(0, keyStart) + text.slice(json.keyOffsetOf(`${objectPointer}/${nextKey}`)!);
  const whole = mustRange(json, objectPointer);
  return `${text.slice(0, whole[0])}{}${text.slice(whole[1])}`;
}

function arrayIndexOf(pointer: string): number {
  return Number(pointer.slice(pointer.lastIndexOf('/') + 1));
}

function mustRange(json: LocatedJson, pointer: string): readonly [number, number] {
  const range = json.rangeOf(pointer);
  if (!range) throw new Error(`internal error: no JSON value at ${pointer}`);
  return range;
}

/** A new flag's members in the order `modelflags add` writes them when the file shows no order. */
const NEW_ENTRY_ORDER = ['flag', 'description', 'dimension', 'owner', 'cleanup_by', 'variants', 'default', 'rules'];

/**
 * Appends a flag entry to the `flags` array by splicing the text, so the rest of the file stays
 * byte for byte as it was, and the new entry follows the file's own style: the line ending, the
 * indentation and member order of the last entry, and one line per member or one line per entry.
 * Throws a {@link JsonSyntaxError} when the text is not JSON; the caller validates the result.
 */
export function appendFlagEntry(text: string, entry: Readonly<Record<string, unknown>>): string {
  const json = parseJsonWithPositions(text);
  const array = json.rangeOf('/flags');
  const flags = (json.value as { flags?: unknown } | null)?.flags;
  if (!array || !Array.isArray(flags))
    throw new JsonSyntaxError(
      'the registry has no "flags" array to add to',
      json.positionOf('') ?? { line: 1, column: 1, offset: 0 },
    );
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indentAt = (offset: number): string =>
    /[ \t]*$/.exec(text.slice(text.lastIndexOf('\n', offset - 1) + 1, offset))![0];
  const last = flags.length - 1;
  const lastRange = last >= 0 ? json.rangeOf(`/flags/${last}`) : undefined;
  const lastEntry = last >= 0 ? (flags[last] as Record<string, unknown>) : undefined;
  const firstKey = lastEntry ? Object.keys(lastEntry)[0] : undefined;
  const unit = indentAt(json.keyOffsetOf('/flags') ?? 0) || '  ';
  const entryIndent = lastRange ? indentAt(lastRange[0]) : indentAt(json.keyOffsetOf('/flags') ?? 0) + unit;
  const memberOffset = firstKey !== undefined ? json.keyOffsetOf(pointerOf(['flags', last, firstKey])) : undefined;
  const oneLine = lastRange !== undefined && !text.slice(lastRange[0], lastRange[1]).includes('\n');
  const memberIndent = memberOffset !== undefined && !oneLine ? indentAt(memberOffset) : entryIndent + unit;
  const seen = lastEntry ? Object.keys(lastEntry) : [];
  const order = [
    ...seen.filter((k) => k in entry),
    ...NEW_ENTRY_ORDER.filter((k) => k in entry && !seen.includes(k)),
    ...Object.keys(entry).filter((k) => !seen.includes(k) && !NEW_ENTRY_ORDER.includes(k)),
  ];
  const inline = (value: unknown): string =>
    Array.isArray(value)
      ? value.length === 0
        ? '[]'
        : `[${value.map((v) => JSON.stringify(v)).join(', ')}]`
      : JSON.stringify(value);
  const members = order.map((k) => `${JSON.stringify(k)}: ${inline(entry[k])}`);
  const rendered = oneLine
    ? `{ ${members.join(', ')} }`
    : `{${eol}${members.map((m) => memberIndent + m).join(`,${eol}`)}${eol}${entryIndent}}`;
  if (lastRange) return `${text.slice(0, lastRange[1])},${eol}${entryIndent}${rendered}${text.slice(lastRange[1])}`;
  const closeIndent = indentAt(json.keyOffsetOf('/flags') ?? 0);
  return `${text.slice(0, array[0])}[${eol}${entryIndent}${rendered}${eol}${closeIndent}]${text.slice(array[1])}`;
}

/** The registry text with the flag's `enabled` set to false; splices the text so formatting survives. */
export function setEnabledFalse(text: string, flag: string, file = 'flags.json'): string {
  const { json, pointer } = locateFlag(text, flag, file, 'to disable');
  const enabledRange = json.rangeOf(`${pointer}/enabled`);
  if (enabledRange) return text.slice(0, enabledRange[0]) + 'false' + text.slice(enabledRange[1]);
  // No `enabled` member yet: add one right after `"flag": "..."`, on its own line if the object is
  // laid out one member per line, inline otherwise.
  const flagRange = json.rangeOf(`${pointer}/flag`)!;
  const keyOffset = json.keyOffsetOf(`${pointer}/flag`)!;
  const lineStart = text.lastIndexOf('\n', keyOffset - 1) + 1;
  const before = text.slice(lineStart, keyOffset);
  const ownLine = /^\s*$/.test(before);
  // The file's own line ends: a CRLF file stays CRLF throughout.
  const newline = text[lineStart - 2] === '\r' ? '\r\n' : '\n';
  const separator = ownLine ? `,${newline}${before}` : ', ';
  return text.slice(0, flagRange[1]) + `${separator}"enabled": false` + text.slice(flagRange[1]);
}

/**
 * Sets `member` of the object at `objectPointer` to the JSON text `value`: replaces the value when
 * the member exists, else adds it after the last member, on its own line when the object is laid
 * out one member per line.
 */
function setMember(text: string, json: LocatedJson, objectPointer: string, member: string, value: string): string {
  const memberPointer = objectPointer + pointerOf([member]);
  const existing = json.rangeOf(memberPointer);
  if (existing) return text.slice(0, existing[0]) + value + text.slice(existing[1]);
  const object = valueAtPointer(json.value, objectPointer) as Record<string, unknown>;
  const keys = Object.keys(object);
  const whole = mustRange(json, objectPointer);
  const entry = `${JSON.stringify(member)}: ${value}`;
  if (keys.length === 0) return `${text.slice(0, whole[0])}{ ${entry} }${text.slice(whole[1])}`;
  const lastKey = objectPointer + pointerOf([keys[keys.length - 1]!]);
  const keyOffset = json.keyOffsetOf(lastKey)!;
  const lineStart = text.lastIndexOf('\n', keyOffset - 1) + 1;
  const before = text.slice(lineStart, keyOffset);
  const newline = text[lineStart - 2] === '\r' ? '\r\n' : '\n';
  const separator = /^\s*$/.test(before) ? `,${newline}${before}` : ', ';
  const end = mustRange(json, lastKey)[1];
  return text.slice(0, end) + separator + entry + text.slice(end);
}

/** Finds the flag's object in the text by key, for edits made long after the registry was loaded. */
function locateFlag(
  text: string,
  flag: string,
  file: string,
  purpose: string,
): { json: LocatedJson; pointer: string; entry: Record<string, unknown> } {
  let json;
  try {
    json = parseJsonWithPositions(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError)
      throw new Error(`${file}:${error.position.line}:${error.position.column}: ${error.message}`);
    throw error;
  }
  const doc = json.value as { flags?: unknown };
  const list = Array.isArray(doc?.flags) ? (doc.flags as unknown[]) : [];
  const index = list.findIndex((f) => typeof f === 'object' && f !== null && (f as { flag?: unknown }).flag === flag);
  if (index < 0)
    throw new Error(`${file}: no flag "${flag}" ${purpose}; the registry may have changed since it was loaded`);
  return { json, pointer: `/flags/${index}`, entry: list[index] as Record<string, unknown> };
}

export interface RolloutStateEdit {
  state: 'active' | 'paused' | 'aborted';
  /** Written as `current_step` (`step` 0-based here, 1-based in the file); undefined leaves it as it is. */
  current?: { step: number; sinceMs: number };
}

/** The registry text with the state (and step) of the flag's rollout rule `ruleIndex` set; formatting kept. */
export function setRolloutState(
  text: string,
  flag: string,
  ruleIndex: number,
  edit: RolloutStateEdit,
  file = 'flags.json',
): string {
  const { json, pointer } = locateFlag(text, flag, file, 'to update the rollout of');
  const rollout = `${pointer}/rules/${ruleIndex}/rollout`;
  if (!json.rangeOf(rollout)) throw new Error(`${file}: rule ${ruleIndex + 1} of "${flag}" has no rollout`);
  // "active" is the default: a file that never said otherwise is left without the member.
  let out =
    edit.state === 'active' && !json.rangeOf(`${rollout}/state`)
      ? text
      : setMember(text, json, rollout, 'state', JSON.stringify(edit.state));
  if (edit.current) {
    const current = `{ "step": ${edit.current.step + 1}, "since": ${JSON.stringify(new Date(edit.current.sinceMs).toISOString())} }`;
    out = setMember(out, parseJsonWithPositions(out), rollout, 'current_step', current);
  }
  return out;
}

/**
 * The registry text with one variant rolled back (`rollBackVariant` in rollout.ts, as text): its
 * rollouts set to `"state": "aborted"`, its percentage rules to `"rollout_percentage": 0`, its split
 * weights moved to `control`. Rules that serve it to a segment or a pin are kept. Returns the text
 * unchanged when nothing serves the variant that way.
 */
export function rollBackVariantInText(
  text: string,
  flag: string,
  variant: FlagValue,
  control: FlagValue,
  file = 'flags.json',
): string {
  let out = text;
  const { entry, pointer } = locateFlag(text, flag, file, 'to roll back');
  const rules = Array.isArray(entry['rules']) ? (entry['rules'] as unknown[]) : [];
  rules.forEach((rule, i) => {
    if (typeof rule !== 'object' || rule === null) return;
    const { rollout, split, value, condition } = rule as {
      rollout?: { variant?: unknown; state?: unknown };
      split?: unknown;
      value?: unknown;
      condition?: { rollout_percentage?: unknown };
    };
    const json = parseJsonWithPositions(out);
    if (rollout?.variant === variant && rollout.state !== 'aborted') {
      out = setMember(out, json, `${pointer}/rules/${i}/rollout`, 'state', '"aborted"');
      return;
    }
    const percentage = condition?.rollout_percentage;
    if (value === variant && rollout === undefined && typeof percentage === 'number' && percentage > 0) {
      out = setMember(out, json, `${pointer}/rules/${i}/condition`, 'rollout_percentage', '0');
      return;
    }
    if (typeof split !== 'object' || split === null) return;
    const weights = split as Record<string, unknown>;
    const moved = weights[String(variant)];
    if (typeof moved !== 'number' || moved <= 0 || String(variant) === String(control)) return;
    const splitPointer = `${pointer}/rules/${i}/split`;
    out = setMember(out, json, splitPointer, String(variant), '0');
    const controlWeight = weights[String(control)];
    const total = (typeof controlWeight === 'number' ? controlWeight : 0) + moved;
    out = setMember(out, parseJsonWithPositions(out), splitPointer, String(control), String(total));
  });
  return out;
}
