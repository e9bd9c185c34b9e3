// A private bpf file system for pinning tests: mounted on a temp directory, unmounted and removed after.

import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A mounted bpffs. `dispose()` unmounts it and removes its directory (pins inside vanish with it). */
export interface TempBpffs {
  readonly dir: string;
  dispose(): void;
}

/** Mounts a fresh bpffs (`mount -t bpf bpf <tmpdir>`): needs root. */
export function mountBpffs(): TempBpffs {
  const dir = mkdtempSync(join(tmpdir(), "bpftypes-bpffs-"));
  try {
    execFileSync("mount", ["-t", "bpf", "bpf", dir], { stdio: "pipe" });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  let mounted = true;
  return {
    dir,
    dispose() {
      if (!mounted) return;
      mounted = false;
      // A lazy unmount succeeds even while something still holds a pin open; the pins go with the mount.
      execFileSync("umount", ["-l", dir], { stdio: "pipe" });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
