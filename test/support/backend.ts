// Running code against a stand-in for the native backend, and putting the real one back.

import { setBpfBackend, type BpfBackend } from "bpftypes/node";

/**
 * Runs `body` with the backend replaced by `backend` (in the bundle, or through `ffi` in the
 * per-module build), then puts back the one that was in place.
 */
export function withBackend<T>(backend: BpfBackend, body: () => T, ffi: { setBpfBackend: typeof setBpfBackend } = { setBpfBackend }): T {
  const previous = ffi.setBpfBackend(backend);
  try {
    return body();
  } finally {
    ffi.setBpfBackend(previous);
  }
}
