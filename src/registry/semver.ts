/** Versions as flagd's `sem_ver` operator reads them, for conditions on a version attribute. */
export interface Semver {
  major: number;
  minor: number;
  patch: number;
  prerelease: readonly (string | number)[];
}

const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;

/**
 * Parses a version the way flagd's `sem_ver` does: an optional leading "v", strict semver, or a
 * bare "1" / "1.2" filled out with zeros.
 */
export function parseSemver(raw: string): Semver | undefined {
  if (raw.length > 256) return undefined;
  const s = raw.startsWith('v') || raw.startsWith('V') ? raw.slice(1) : raw;
  const m = SEMVER_PATTERN.exec(s);
  if (m) {
    const nums = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (nums.some((n) => !Number.isSafeInteger(n))) return undefined;
    const prerelease = m[4] ? m[4].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p)) : [];
    return { major: nums[0]!, minor: nums[1]!, patch: nums[2]!, prerelease };
  }
  const short = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (short) {
    const major = Number(short[1]);
    const minor = short[2] === undefined ? 0 : Number(short[2]);
    if (!Number.isSafeInteger(major) || !Number.isSafeInteger(minor)) return undefined;
    return { major, minor, patch: 0, prerelease: [] };
  }
  return undefined;
}

export function compareSemver(a: Semver, b: Semver): number {
  if (a.major !== b.major) return a.major < b.major ? -1 : 1;
  if (a.minor !== b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch !== b.patch) return a.patch < b.patch ? -1 : 1;
  const pa = a.prerelease;
  const pb = b.prerelease;
  if (pa.length === 0 || pb.length === 0) return pa.length === pb.length ? 0 : pa.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : 1;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
