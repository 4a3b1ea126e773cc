/**
 * MurmurHash3 x86_32 (seed 0) over UTF-8 bytes, split so that the bytes of a constant prefix (the
 * flag key) are mixed once when a snapshot is compiled, and each evaluation only mixes the
 * bucketing value. This is the hash flagd's `fractional` uses; hashing UTF-8 rather than UTF-16
 * code units is what Go flagd does and what keeps non-ASCII keys portable.
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

/** Mixes one little-endian 4-byte block into the running hash (small enough for V8 to inline). */
function mixBlock(h: number, block: number): number {
  let k = Math.imul(block, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/**
 * Mixes the UTF-8 bytes of `s` into the prefix state and finishes the hash. One function with
 * local state, because V8 optimises locals far better than module variables or a per-byte
 * helper. Only evaluations call it; the prefix, mixed once per flag, takes the plain route
 * through TextEncoder, so this loop has no second caller and no state to hand back.
 */
function mixAndFinish(s: string, hash: number, carry: number, carryBytes: number, length: number): number {
  const n = s.length;
  let h = hash;
  let acc = carry;
  let accBytes = carryBytes;
  let total = length;
  for (let i = 0; i < n; i++) {
    // Whole blocks of four ASCII characters at a time once the block boundary is reached: ids are
    // nearly always ASCII, and this halves the work per character.
    if (accBytes === 0) {
      while (i + 3 < n) {
        const c0 = s.charCodeAt(i);
        const c1 = s.charCodeAt(i + 1);
        const c2 = s.charCodeAt(i + 2);
        const c3 = s.charCodeAt(i + 3);
        if ((c0 | c1 | c2 | c3) >= 0x80) break;
        h = mixBlock(h, c0 | (c1 << 8) | (c2 << 16) | (c3 << 24));
        i += 4;
        total += 4;
      }
      if (i >= n) break;
    }
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      // ASCII, by far the common case for ids, skips the multi-byte encoding below.
      acc |= c << (accBytes << 3);
      total++;
      if (++accBytes === 4) {
        h = mixBlock(h, acc);
        acc = 0;
        accBytes = 0;
      }
      continue;
    }
    let bytes: number;
    let encoded: number;
    if (c < 0x800) {
      bytes = 2;
      encoded = 0xc0 | (c >> 6) | ((0x80 | (c & 0x3f)) << 8);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else {
          // A lone surrogate has no UTF-8 form; encoders (TextEncoder, Go) write U+FFFD instead.
          c = 0xfffd;
        }
      }
      if (c >= 0x10000) {
        bytes = 4;
        encoded =
          0xf0 |
          (c >> 18) |
          ((0x80 | ((c >> 12) & 0x3f)) << 8) |
          ((0x80 | ((c >> 6) & 0x3f)) << 16) |
          ((0x80 | (c & 0x3f)) << 24);
      } else {
        bytes = 3;
        encoded = 0xe0 | (c >> 12) | ((0x80 | ((c >> 6) & 0x3f)) << 8) | ((0x80 | (c & 0x3f)) << 16);
      }
    }
    for (let b = 0; b < bytes; b++) {
      acc |= ((encoded >>> (b << 3)) & 0xff) << (accBytes << 3);
      if (++accBytes === 4) {
        h = mixBlock(h, acc);
        acc = 0;
        accBytes = 0;
      }
    }
    total += bytes;
  }
  if (accBytes > 0) {
    let k = Math.imul(acc, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= total;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  // Signed, so the result stays a small integer: an unsigned value above 2^31 would be boxed as a
  // heap number when returned, and the evaluation path must not allocate.
  return h | 0;
}

const utf8 = new TextEncoder();

/** The state after the UTF-8 bytes of `prefix` (lone surrogates become U+FFFD, as in {@link mixAndFinish}). */
export function murmurPrefix(prefix: string): MurmurPrefix {
  const bytes = utf8.encode(prefix);
  const whole = bytes.length & ~3;
  let hash = 0;
  for (let i = 0; i < whole; i += 4)
    hash = mixBlock(hash, bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
  let carry = 0;
  for (let i = whole; i < bytes.length; i++) carry |= bytes[i]! << ((i - whole) << 3);
  return { hash, carry, carryBytes: bytes.length - whole, length: bytes.length };
}

/** Hash of `prefix + suffix` as a signed 32-bit integer (`>>> 0` gives the usual unsigned form). */
export function murmurWithPrefix(prefix: MurmurPrefix, suffix: string): number {
  return mixAndFinish(suffix, prefix.hash, prefix.carry, prefix.carryBytes, prefix.length);
}

const EMPTY_PREFIX = murmurPrefix('');

/** MurmurHash3 x86_32 (seed 0) of the UTF-8 bytes of `s`, unsigned. */
export function murmur3(s: string): number {
  return murmurWithPrefix(EMPTY_PREFIX, s) >>> 0;
}

/**
 * `floor(hash * totalWeight / 2^32)` for the unsigned reading of `hash` (signed or unsigned input),
 * computed exactly: the product can reach 2^63, past what a double holds, so the hash is split into
 * 16-bit halves.
 */
export function bucketOf(hash: number, totalWeight: number): number {
  const high = (hash >>> 16) * totalWeight;
  const low = (hash & 0xffff) * totalWeight;
  return Math.floor((high + Math.floor(low / 65536)) / 65536);
}
