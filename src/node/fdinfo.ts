// /proc/self/fdinfo of a bpf object descriptor: the facts the kernel shows only there (memlock, frozen, a prog array's owner).

import { closeSync, openSync, readSync } from "node:fs";
import type { BpfFd } from "./fd.js";

/**
 * Reads the text of `/proc/self/fdinfo/<fd>` with one open, one read and one close, into a
 * reusable buffer. A bpf object's fdinfo is a few hundred bytes; one page holds it whole.
 */
export class FdinfoReader {
  // Reused for every read: listing thousands of objects allocates nothing per object here.
  readonly #buffer = Buffer.allocUnsafe(4096);

  /** The fdinfo text of a descriptor this process holds. */
  read(fd: BpfFd): string {
    const file = openSync(`/proc/self/fdinfo/${fd.fd}`, "r");
    let length: number;
    try {
      length = readSync(file, this.#buffer, 0, this.#buffer.length, 0);
    } finally {
      closeSync(file);
    }
    return this.#buffer.toString("latin1", 0, length);
  }
}

/**
 * The value of one `key:\tvalue` line of fdinfo text (`"memlock"` -> `"4096"`), or `undefined` when
 * the kernel did not write that key (an older kernel, or a key only some objects have, such as
 * `owner_prog_type` of a program array that no program uses yet).
 */
export function fdinfoField(text: string, key: string): string | undefined {
  let line: number;
  if (text.startsWith(key + ":")) line = 0;
  else {
    const newline = text.indexOf("\n" + key + ":");
    if (newline < 0) return undefined;
    line = newline + 1;
  }
  let start = line + key.length + 1;
  // Values follow a tab (sometimes spaces).
  while (text.charCodeAt(start) === 9 || text.charCodeAt(start) === 32) start++;
  const end = text.indexOf("\n", start);
  return text.slice(start, end < 0 ? text.length : end);
}

/** An fdinfo value as a decimal number (`memlock`, `frozen`), or `undefined` when absent or not a number. */
export function fdinfoNumber(text: string, key: string): number | undefined {
  const value = fdinfoField(text, key);
  if (value === undefined || !/^-?\d+$/.test(value)) return undefined;
  return Number(value);
}

/** Every `key: value` pair of fdinfo text, in order (for showing all of it). */
export function parseFdinfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    out.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return out;
}
