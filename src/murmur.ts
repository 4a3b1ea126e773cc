/**
 * MurmurHash3 x86_32 (seed 0) over UTF-8 bytes, split so that the bytes of a constant prefix (the
 * flag key) are mixed once when a snapshot is compiled, and each evaluation only mixes the
 * bucketing value. This is the hash flagd's `fractional` uses; hashing UTF-8 rather than UTF-16
 * code units is what Go flagd does and what keeps non-ASCII keys portable.
 *
 * The suffix hash keeps its running state in module variables instead of an object so the hot path
 * allocates nothing; it is not re-entrant, which is fine for synchronous single-threaded code.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** The hash state after mixing a prefix: the running hash, the unmixed tail bytes and the length. */
export interface MurmurPrefix {
  readonly hash: number;
  /** Up to three pending bytes, little-endian. */
  readonly carry: number;
  readonly carryBytes: number;
  readonly length: number;
}

let h = 0;
let carry = 0;
let carryBytes = 0;
let length = 0;

function pushByte(b: number): void {
  carry |= b << (carryBytes << 3);
  length++;
  if (++carryBytes === 4) {
    let k = Math.imul(carry, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    carry = 0;
    carryBytes = 0;
  }
}

function pushString(s: string): void {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      pushByte(c);
    } else if (c < 0x800) {
      pushByte(0xc0 | (c >> 6));
      pushByte(0x80 | (c & 0x3f));
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          pushByte(0xf0 | (c >> 18));
          pushByte(0x80 | ((c >> 12) & 0x3f));
          pushByte(0x80 | ((c >> 6) & 0x3f));
          pushByte(0x80 | (c & 0x3f));
          continue;
        }
        // A lone surrogate has no UTF-8 form; encoders (TextEncoder, Go) write U+FFFD instead.
        c = 0xfffd;
      }
      pushByte(0xe0 | (c >> 12));
      pushByte(0x80 | ((c >> 6) & 0x3f));
      pushByte(0x80 | (c & 0x3f));
    }
  }
}

function finish(): number {
  let x = h;
  if (carryBytes > 0) {
    let k = Math.imul(carry, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    x ^= k;
  }
  x ^= length;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

export function murmurPrefix(prefix: string): MurmurPrefix {
  h = 0;
  carry = 0;
  carryBytes = 0;
  length = 0;
  pushString(prefix);
  return { hash: h, carry, carryBytes, length };
}

/** Hash of `prefix + suffix` as an unsigned 32-bit integer. */
export function murmurWithPrefix(prefix: MurmurPrefix, suffix: string): number {
  h = prefix.hash;
  carry = prefix.carry;
  carryBytes = prefix.carryBytes;
  length = prefix.length;
  pushString(suffix);
  return finish();
}

const EMPTY_PREFIX = murmurPrefix('');

export function murmur3(s: string): number {
  return murmurWithPrefix(EMPTY_PREFIX, s);
}

/**
 * `floor(hash * totalWeight / 2^32)` computed exactly: the product can reach 2^63, past what a
 * double holds, so the hash is split into 16-bit halves.
 */
export function bucketOf(hash: number, totalWeight: number): number {
  const high = Math.floor(hash / 65536) * totalWeight;
  const low = (hash & 0xffff) * totalWeight;
  return Math.floor((high + Math.floor(low / 65536)) / 65536);
}
