// BTF objects: loading a raw BTF blob into the kernel (BPF_BTF_LOAD), with its log on failure.

import { btfLoadAttr } from "./attr.js";
import { BpfFd } from "./fd.js";
import type { KeepAlive } from "./memory.js";
import { logText } from "./progs.js";
import { bpfCall } from "./syscall.js";

/** Options of {@link loadBtf}. */
export interface LoadBtfOptions {
  /** BTF log level (1 is enough to learn why a blob was rejected); 0, the default, asks for no log. */
  readonly logLevel?: number;
  /** Size of the log buffer in bytes (64 KiB unless said). */
  readonly logSize?: number;
}

/** Loads a raw BTF blob (header, types, strings) as a BTF object (BPF_BTF_LOAD, Linux 4.18+). */
export function loadBtf(blob: Uint8Array, options: LoadBtfOptions = {}): BpfFd {
  const level = options.logLevel ?? 0;
  const log = level ? new Uint8Array(options.logSize ?? 1 << 16) : null;
  const keep: KeepAlive = [];
  const attr = btfLoadAttr(blob, log, level, keep);
  const fd = bpfCall("BPF_BTF_LOAD", attr, keep, {
    doing: `loading ${blob.byteLength} bytes of btf`,
    log: () => (log ? logText(log) : ""),
  });
  return new BpfFd(fd, "btf");
}
