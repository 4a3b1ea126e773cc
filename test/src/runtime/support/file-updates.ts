/**
 * The three ways a registry file gets replaced in production, done the way the tools that do them
 * do them: an editor or `cp` writing in place, a deploy tool writing a temporary file and renaming
 * it over the old one, and the kubelet updating a ConfigMap volume (a timestamped directory, a
 * `..data` symlink to it, and `flags.json -> ..data/flags.json`; an update writes a new timestamped
 * directory, points a temporary symlink at it, renames that over `..data`, then removes the old
 * directory).
 */
import { mkdirSync, mkdtempSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type UpdateKind = 'in-place' | 'atomic-rename' | 'configmap-symlink';
export const UPDATE_KINDS: readonly UpdateKind[] = ['in-place', 'atomic-rename', 'configmap-symlink'];

export interface RegistryFile {
  /** The path the application reads (`flags.json`, a symlink for ConfigMaps). */
  readonly path: string;
  readonly dir: string;
  /** Replaces the document the way `kind` does. */
  write(text: string): void;
  /** Removes the document (for ConfigMaps, the key disappears from the volume). */
  remove(): void;
  cleanup(): void;
}

let generation = 0;

export function registryFile(kind: UpdateKind, initial: string): RegistryFile {
  const dir = mkdtempSync(join(tmpdir(), `modelflags-${kind}-`));
  const path = join(dir, 'flags.json');
  if (kind === 'in-place') {
    writeFileSync(path, initial);
    return {
      path,
      dir,
      write: (text) => writeFileSync(path, text),
      remove: () => rmSync(path, { force: true }),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (kind === 'atomic-rename') {
    writeFileSync(path, initial);
    return {
      path,
      dir,
      write: (text) => {
        const tmp = join(dir, `.flags.json.${process.pid}.${++generation}.tmp`);
        writeFileSync(tmp, text);
        renameSync(tmp, path);
      },
      remove: () => rmSync(path, { force: true }),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const data = join(dir, '..data');
  const newVersion = (text: string | undefined): string => {
    const name = `..2026_01_01_00_00_${String(++generation).padStart(6, '0')}.${process.pid}`;
    mkdirSync(join(dir, name));
    if (text !== undefined) writeFileSync(join(dir, name, 'flags.json'), text);
    return name;
  };
  symlinkSync(newVersion(initial), data);
  symlinkSync(join('..data', 'flags.json'), path);
  const swap = (text: string | undefined): void => {
    const previous = readlinkSync(data);
    const next = newVersion(text);
    const tmpLink = join(dir, '..data_tmp');
    symlinkSync(next, tmpLink);
    renameSync(tmpLink, data);
    rmSync(join(dir, previous), { recursive: true, force: true });
  };
  return {
    path,
    dir,
    write: (text) => swap(text),
    remove: () => swap(undefined),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
