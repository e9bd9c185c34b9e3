// The package's cache directory and its files: per-boot kernel type facts, and the command's compiled code.

import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** Where cache files go: `$BPFTYPES_CACHE_DIR`, else `$XDG_CACHE_HOME/bpftypes`, else `~/.cache/bpftypes`. */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env["BPFTYPES_CACHE_DIR"]) return env["BPFTYPES_CACHE_DIR"];
  if (env["XDG_CACHE_HOME"]) return join(env["XDG_CACHE_HOME"], "bpftypes");
  const home = env["HOME"] || homedir();
  return home ? join(home, ".cache", "bpftypes") : undefined;
}

/**
 * The bytes of a cache file, or `undefined` when there is none or it is not safe to trust: only a
 * regular file owned by this user that nobody else may write is read (a cache can hold compiled
 * code).
 */
export function readCacheFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || (stat.mode & 0o022) !== 0 || (process.getuid && stat.uid !== process.getuid())) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a cache file readable by this user only, creating the directory, and first removes the
 * directory's files that `isStale` names (an earlier boot's, an older build's). Written aside and
 * renamed, so that a concurrent reader never sees half a file. Returns whether it was written:
 * a cache only saves time, so a read-only home or a full disk is no error.
 */
export function writeCacheFile(file: string, data: string | Uint8Array, isStale: (name: string) => boolean = () => false): boolean {
  const directory = dirname(file);
  const temporary = `${file}.${process.pid}`;
  try {
    makeDirectories(directory);
    for (const name of readdirSync(directory)) {
      if (isStale(name)) rmSync(join(directory, name), { force: true });
    }
    // A new file only: in a directory others can write (a cache put under /tmp), whatever stands
    // at the temporary name, a symbolic link to a file of this user's say, is never written through.
    rmSync(temporary, { force: true });
    writeFileSync(temporary, data, { mode: 0o600, flag: "wx" });
    renameSync(temporary, file);
    return true;
  } catch {
    rmSync(temporary, { force: true });
    return false;
  }
}

/**
 * `mkdir -p`, one level at a time, each new directory this user's only. Node 20's recursive
 * mkdirSync never returns when a parent exists but cannot hold the child (a dangling symlink, a
 * path under /proc): it goes back and forth between the two. Here the child is tried once more
 * after its parent was made, and a second failure is final.
 */
function makeDirectories(directory: string): void {
  try {
    mkdirSync(directory, { mode: 0o700 });
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return;
    if (code !== "ENOENT" || dirname(directory) === directory) throw error;
  }
  makeDirectories(dirname(directory));
  try {
    mkdirSync(directory, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}
