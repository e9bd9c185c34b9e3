// Test helper: loads the pinned Linux 7.1 BTF blob and the running kernel's BTF.

import { existsSync, readFileSync, readdirSync } from "node:fs";
import { gunzipSync } from "node:zlib";

/** The repository root, from the compiled file's place in build/test/btf/. */
export const repoRoot = new URL("../../../", import.meta.url);

/** Path of the pinned, gzipped raw BTF of Linux 7.1. */
export const pinnedPath = new URL("testdata/vmlinux-7.1.btf.gz", repoRoot);

let pinned: Uint8Array | undefined;

/** The pinned Linux 7.1 vmlinux BTF, gunzipped (cached; callers must not modify it). */
export function pinnedBlob(): Uint8Array {
  return (pinned ??= new Uint8Array(gunzipSync(readFileSync(pinnedPath))));
}

/** Where the running kernel exposes its BTF. */
export const liveDir = "/sys/kernel/btf";
export const livePath = `${liveDir}/vmlinux`;

/** The running kernel's vmlinux BTF, or undefined if this kernel does not expose it. */
export function liveBlob(): Uint8Array | undefined {
  return existsSync(livePath) ? new Uint8Array(readFileSync(livePath)) : undefined;
}

/** Names of the kernel modules with split BTF in /sys/kernel/btf (possibly none). */
export function liveModules(): string[] {
  return existsSync(liveDir) ? readdirSync(liveDir).filter((n) => n !== "vmlinux") : [];
}
