/**
 * A strict JSON parser that remembers where every value starts, so registry errors can name the
 * line and column of the offending value. `JSON.parse` reports only a character offset for syntax
 * errors and nothing at all for values that parse but are wrong.
 */

export interface SourcePosition {
  /** 1-based line. */
  line: number;
  /** 1-based column, counted in UTF-16 code units like editors and ESLint do. */
  column: number;
  /** 0-based offset into the text. */
  offset: number;
}

export interface LocatedJson {
  value: unknown;
  /** Position of the value at a JSON pointer (`/flags/0/rules/2/value`); the root is `""`. */
  positionOf(pointer: string): SourcePosition | undefined;
  /** Position of an object member's key, when the key itself is the thing to point at. */
  keyPositionOf(pointer: string): SourcePosition | undefined;
  /** Offsets `[start, end)` of the value at a pointer, for tools that edit the text in place. */
  rangeOf(pointer: string): readonly [number, number] | undefined;
  /** Offset where the member's key starts (its opening quote), for removing a whole member. */
  keyOffsetOf(pointer: string): number | undefined;
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly position: SourcePosition,
  ) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

export function pointerOf(segments: readonly (string | number)[]): string {
  let out = '';
  for (const s of segments) out += '/' + String(s).replaceAll('~', '~0').replaceAll('/', '~1');
  return out;
}

const MAX_DEPTH = 256;

/**
 * Whether brackets and braces, outside strings, open more than MAX_DEPTH deep: one pass over the
 * text, no allocation. Errs towards true (an empty innermost container is one level the strict
 * parser does not count), which only sends the text to the strict parser.
 */
function nestsDeeperThanLimit(text: string): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // Skip the string: to the next quote that no backslash escapes.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) i++;
        else if (d === 34) break;
      }
    } else if (c === 123 || c === 91) {
      if (++depth > MAX_DEPTH) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

/**
 * Where each child of a container sits in the text: for arrays `[start, end]` per element, for
 * objects `[keyStart, start, end]` per member in `keys` order. Kept beside the parsed value (keyed by
 * the container object) instead of in a map of JSON-pointer strings, which made parsing a large
 * registry an order of magnitude slower than `JSON.parse` and pinned megabytes per snapshot.
 */
interface ContainerSpans {
  /** Member names in order, for objects; undefined for arrays. */
  keys: string[] | undefined;
  offsets: number[];
}

/** The value at a JSON pointer in a parsed document, or undefined where there is none. */
export function valueAtPointer(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer.split('/').slice(1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    node = Array.isArray(node)
      ? node[Number(segment)]
      : Object.hasOwn(node, segment)
        ? (node as Record<string, unknown>)[segment]
        : undefined;
  }
  return node;
}

export interface ParseOptions {
  /** Accept repeated keys, the last one winning, as `JSON.parse` does (default false: an error). */
  allowDuplicateKeys?: boolean;
}

export function parseJsonWithPositions(text: string, options: ParseOptions = {}): LocatedJson {
  const allowDuplicateKeys = options.allowDuplicateKeys ?? false;
  const spans = new WeakMap<object, ContainerSpans>();
  let rootStart = 0;
  let rootEnd = 0;
  let i = 0;
  // A byte-order mark is common in files written by Windows editors; it is not content.
  if (text.charCodeAt(0) === 0xfeff) i = 1;

  let lineStarts: number[] | undefined;
  function position(offset: number): SourcePosition {
    if (!lineStarts) {
      lineStarts = [0];
      for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) === 10) lineStarts.push(k + 1);
    }
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1, offset };
  }

  function fail(message: string, at = i): never {
    throw new JsonSyntaxError(message, position(Math.min(at, text.length)));
  }

  function describeHere(): string {
    if (i >= text.length) return 'the end of the file';
    return JSON.stringify(text[i]);
  }

  function skipWhitespace(): void {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else return;
    }
  }

  function parseString(): string {
    const start = i;
    i++; // opening quote
    let out = '';
    let chunkStart = i;
    for (;;) {
      if (i >= text.length) fail('unterminated string (a closing " is missing)', start);
      const c = text.charCodeAt(i);
      if (c === 34) {
        out += text.slice(chunkStart, i);
        i++;
        return out;
      }
      if (c < 0x20) fail('control character in string: escape it (for example \\n)');
      if (c === 92) {
        out += text.slice(chunkStart, i);
        const e = text[i + 1];
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const hex = text.slice(i + 2, i + 6);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape: expected four hex digits');
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default:
            fail(`invalid escape \\${e ?? ''} in string`);
        }
        i += 2;
        chunkStart = i;
        continue;
      }
      i++;
    }
  }

  function parseNumber(): number {
    const start = i;
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (text[i]! >= '1' && text[i]! <= '9') while (text[i]! >= '0' && text[i]! <= '9') i++;
    else fail('invalid number', start);
    if (text[i] === '.') {
      i++;
      if (!(text[i]! >= '0' && text[i]! <= '9')) fail('invalid number: digits must follow the decimal point');
      while (text[i]! >= '0' && text[i]! <= '9') i++;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!(text[i]! >= '0' && text[i]! <= '9')) fail('invalid number: digits must follow the exponent');
      while (text[i]! >= '0' && text[i]! <= '9') i++;
    }
    return Number(text.slice(start, i));
  }

  /** Offsets of the value just parsed, read by the caller that records them. */
  let valueStart = 0;

  function parseValue(depth: number): unknown {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    skipWhitespace();
    const start = i;
    const value = parseValueAt(depth);
    valueStart = start;
    return value;
  }

  function parseValueAt(depth: number): unknown {
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      const keys: string[] = [];
      const offsets: number[] = [];
      spans.set(obj, { keys, offsets });
      skipWhitespace();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipWhitespace();
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describeHere()}`);
        const keyStart = i;
        const key = parseString();
        if (!allowDuplicateKeys && Object.prototype.hasOwnProperty.call(obj, key))
          fail(`duplicate key ${JSON.stringify(key)}: each key may appear once in an object`, keyStart);
        skipWhitespace();
        if (text[i] !== ':') fail(`expected ":" after property name ${JSON.stringify(key)}, found ${describeHere()}`);
        i++;
        const value = parseValue(depth + 1);
        keys.push(key);
        offsets.push(keyStart, valueStart, i);
        // As JSON.parse does, "__proto__" becomes an ordinary own property, never the prototype.
        if (key === '__proto__')
          Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
        else obj[key] = value;
        skipWhitespace();
        if (text[i] === ',') {
          const comma = i;
          i++;
          skipWhitespace();
          if (text[i] === '}') fail('trailing comma before "}": remove it', comma);
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        fail(`expected "," or "}" after a property value, found ${describeHere()}`);
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      const offsets: number[] = [];
      spans.set(arr, { keys: undefined, offsets });
      skipWhitespace();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(depth + 1));
        offsets.push(valueStart, i);
        skipWhitespace();
        if (text[i] === ',') {
          const comma = i;
          i++;
          skipWhitespace();
          if (text[i] === ']') fail('trailing comma before "]": remove it', comma);
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        fail(`expected "," or "]" after an array element, found ${describeHere()}`);
      }
    }
    if (c === '"') return parseString();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return parseNumber();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    if (i >= text.length) fail('unexpected end of file: the document is empty or truncated');
    fail(`unexpected ${describeHere()}: expected a JSON value`);
  }

  const value = parseValue(0);
  rootStart = valueStart;
  rootEnd = i;
  skipWhitespace();
  if (i < text.length) fail(`unexpected ${describeHere()} after the end of the document`);

  /** `[keyStart, start, end]` of the value at a pointer (keyStart -1 where there is no key). */
  function locate(pointer: string): [number, number, number] | undefined {
    if (pointer === '') return [-1, rootStart, rootEnd];
    if (!pointer.startsWith('/')) return undefined;
    let node: unknown = value;
    let found: [number, number, number] | undefined;
    for (const raw of pointer.slice(1).split('/')) {
      const segment = raw.includes('~') ? raw.replaceAll('~1', '/').replaceAll('~0', '~') : raw;
      const container = typeof node === 'object' && node !== null ? spans.get(node) : undefined;
      if (!container) return undefined;
      if (container.keys) {
        const index = container.keys.indexOf(segment) * 3;
        if (index < 0) return undefined;
        found = [container.offsets[index]!, container.offsets[index + 1]!, container.offsets[index + 2]!];
        node = (node as Record<string, unknown>)[segment];
      } else {
        const index = Number(segment);
        if (!/^(0|[1-9]\d*)$/.test(segment) || index * 2 >= container.offsets.length) return undefined;
        found = [-1, container.offsets[index * 2]!, container.offsets[index * 2 + 1]!];
        node = (node as unknown[])[index];
      }
    }
    return found;
  }

  return {
    value,
    positionOf(pointer) {
      const span = locate(pointer);
      return span ? position(span[1]) : undefined;
    },
    keyPositionOf(pointer) {
      const span = locate(pointer);
      return span && span[0] >= 0 ? position(span[0]) : undefined;
    },
    rangeOf(pointer) {
      const span = locate(pointer);
      return span ? [span[1], span[2]] : undefined;
    },
    keyOffsetOf(pointer) {
      const span = locate(pointer);
      return span && span[0] >= 0 ? span[0] : undefined;
    },
  };
}

/**
 * `JSON.parse` speed for the runtime's hot reloads: positions are computed only when someone asks
 * for one (a validation error to report), by re-parsing. Repeated keys are accepted, last one
 * winning, as `JSON.parse` and flagd do; the strict parser used by `modelflags check` and the lint
 * rules reports them.
 */
export function parseJsonLazily(text: string): LocatedJson {
  // `JSON.parse` takes any depth, but positions come from the strict parser, which refuses more
  // than MAX_DEPTH levels; asked lazily, from inside validation, it threw out of a hot reload.
  // Such a document is refused here, by the strict parser, with the position of the excess.
  if (nestsDeeperThanLimit(text)) return parseJsonWithPositions(text, { allowDuplicateKeys: true });
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    // Let the positioned parser produce the message with a line and column.
    return parseJsonWithPositions(text, { allowDuplicateKeys: true });
  }
  let located: LocatedJson | undefined;
  const positions = (): LocatedJson => (located ??= parseJsonWithPositions(text, { allowDuplicateKeys: true }));
  return {
    value,
    positionOf: (pointer) => positions().positionOf(pointer),
    keyPositionOf: (pointer) => positions().keyPositionOf(pointer),
    rangeOf: (pointer) => positions().rangeOf(pointer),
    keyOffsetOf: (pointer) => positions().keyOffsetOf(pointer),
  };
}
