/**
 * An independent MurmurHash3 x86_32 over bytes, written from the published algorithm (Austin
 * Appleby's MurmurHash3.cpp), deliberately naive: whole blocks read from a Uint8Array, tail
 * handled with the reference switch, BigInt for the bucket. The runtime's streaming version
 * is checked against this.
 */

function rotl32(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

function mul32(a: number, b: number): number {
  return Number((BigInt(a >>> 0) * BigInt(b >>> 0)) & 0xffffffffn);
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = mul32(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = mul32(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function murmur3Bytes(data: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const nblocks = Math.floor(data.length / 4);
  let h1 = seed >>> 0;
  for (let i = 0; i < nblocks; i++) {
    const o = i * 4;
    let k1 = (data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16) | (data[o + 3]! << 24)) >>> 0;
    k1 = mul32(k1, c1);
    k1 = rotl32(k1, 15);
    k1 = mul32(k1, c2);
    h1 = (h1 ^ k1) >>> 0;
    h1 = rotl32(h1, 13);
    h1 = (mul32(h1, 5) + 0xe6546b64) >>> 0;
  }
  const tail = nblocks * 4;
  let k1 = 0;
  switch (data.length & 3) {
    case 3:
      k1 ^= data[tail + 2]! << 16;
    // falls through
    case 2:
      k1 ^= data[tail + 1]! << 8;
    // falls through
    case 1:
      k1 ^= data[tail]!;
      k1 = mul32(k1 >>> 0, c1);
      k1 = rotl32(k1, 15);
      k1 = mul32(k1, c2);
      h1 = (h1 ^ k1) >>> 0;
  }
  h1 = (h1 ^ data.length) >>> 0;
  return fmix32(h1);
}

const encoder = new TextEncoder();

/** Hash of a string's UTF-8 bytes (TextEncoder writes U+FFFD for lone surrogates). */
export function murmur3Utf8(s: string): number {
  return murmur3Bytes(encoder.encode(s));
}

/** flagd's bucket: `(hash * totalWeight) >> 32`, exactly. */
export function oracleBucket(hash: number, totalWeight: number): number {
  return Number((BigInt(hash) * BigInt(totalWeight)) >> 32n);
}

/** flagd's `fractional` choice: the first entry whose running weight exceeds the bucket. */
export function oracleFractional<T>(key: string, entries: readonly (readonly [T, number])[]): T | undefined {
  const total = entries.reduce((s, [, w]) => s + w, 0);
  const bucket = oracleBucket(murmur3Utf8(key), total);
  let sum = 0;
  for (const [variant, w] of entries) {
    sum += w;
    if (sum > bucket) return variant;
  }
  return undefined;
}
