// /proc/self/fdinfo of a bpf object descriptor: the facts the kernel shows only there (memlock, frozen, a prog array's owner).

import { closeSync, constants, openSync, readSync } from "node:fs";
import { bufferOf } from "./bytes.js";
import { errnoName } from "./errors.js";
import type { BpfFd } from "./fd.js";
import { bpfBackend } from "./ffi.js";
import { IdOpener, type IdKind } from "./ids.js";

const NEWLINE = 10;
const TAB = 9;
const SPACE = 32;
const MINUS = 45;
const ZERO = 48;

/** `"\n" + key + ":"` as bytes, for each key asked about (a handful: memlock, frozen, owner_*). */
const keyNeedles = new Map<string, Buffer>();

/** The bytes to search for, or `undefined` for a key no fdinfo line can have (latin1 would cut its wider characters to other bytes). */
function needleOf(key: string): Buffer | undefined {
  let needle = keyNeedles.get(key);
  if (needle === undefined) {
    for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) > 0xff) return undefined;
    needle = Buffer.from(`\n${key}:`, "latin1");
    // A caller asking about ever new keys gets them made each time rather than a growing cache.
    if (keyNeedles.size < 64) keyNeedles.set(key, needle);
  }
  return needle;
}

/**
 * One fdinfo text held in a byte buffer, answering `key:\tvalue` questions without making a
 * string. Keys are found with `Buffer#indexOf`, native code that is as quick on the first call as
 * on the ten-thousandth; a JavaScript pass over the bytes is slow until V8 has compiled it (measured
 * alone, 1,000 texts: 5 µs each that way, 2 µs this way; warm, both ~1.2 µs). Internal:
 * {@link FdinfoReader} is the API.
 */
export class FdinfoText {
  readonly #bytes: Buffer;
  #length = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bufferOf(bytes);
  }

  /** Takes the first `length` bytes of the buffer as the text; bytes after them are never used. */
  take(length: number): void {
    this.#length = length;
  }

  /** Where the value of `key` starts (after the colon and any tabs or spaces), or -1 when no line has that key. */
  #valueAt(key: string): number {
    const bytes = this.#bytes;
    const length = this.#length;
    const needle = needleOf(key);
    if (needle === undefined) return -1;
    const size = needle.length;
    let at = -1;
    // The first line has no newline before it; most keys differ from its key ("pos") at once.
    if (size - 1 <= length) {
      let i = 1;
      while (i < size && bytes[i - 1] === needle[i]) i++;
      if (i === size) at = size - 1;
    }
    if (at < 0) {
      // The search may run into stale bytes past the text: a match there, or one that the text's end cuts, is none.
      const found = bytes.indexOf(needle);
      if (found < 0 || found + size > length) return -1;
      at = found + size;
    }
    while (at < length && (bytes[at] === TAB || bytes[at] === SPACE)) at++;
    return at;
  }

  /** The decimal value on the line of `key`, or `undefined` when no line has that key or its value is not a decimal number. */
  number(key: string): number | undefined {
    let at = this.#valueAt(key);
    if (at < 0) return undefined;
    const bytes = this.#bytes;
    const end = this.#length;
    const negative = bytes[at] === MINUS;
    if (negative) at++;
    let value = 0;
    let digits = 0;
    for (; at < end && bytes[at] !== NEWLINE; at++, digits++) {
      const digit = bytes[at]! - ZERO;
      if (digit < 0 || digit > 9) return undefined;
      value = value * 10 + digit;
    }
    if (digits === 0) return undefined;
    return negative ? -value : value;
  }
}

/**
 * Reads `/proc/self/fdinfo/<fd>` into a reusable buffer and answers questions about the last text
 * read without turning it into a string. A bpf object's fdinfo is a few hundred bytes: one read,
 * and one pass over it to find its lines.
 *
 * The proc file is kept open between reads: the kernel looks the descriptor number up when the
 * file is read, not when it is opened, and a read at offset 0 renders the text afresh. A walk that
 * closes each object's descriptor before opening the next gets the same number back every time, so
 * each object then costs one read instead of open, read and close. Call {@link release} to close
 * the file (the walks do it after every batch).
 */
export class FdinfoReader implements Disposable {
  // Reused for every read: listing thousands of objects allocates nothing per object here.
  readonly #buffer = Buffer.allocUnsafe(4096);
  readonly #text = new FdinfoText(this.#buffer);
  #length = 0;
  /** The open proc file, or -1. */
  #file = -1;
  /** The descriptor number the open proc file describes. */
  #fileFor = -1;

  /** Reads the fdinfo of a descriptor this process holds (or its number); ask about it with {@link number} or {@link text}. */
  load(fd: BpfFd | number): this {
    this.#length = this.#read(typeof fd === "number" ? fd : fd.fd);
    this.#text.take(this.#length);
    return this;
  }

  #read(number: number): number {
    if (this.#file >= 0 && this.#fileFor === number) {
      try {
        return this.#readStart(this.#file);
      } catch {
        // Fall through and open the file afresh.
      }
    }
    this.release();
    const file = openSync(`/proc/self/fdinfo/${number}`, constants.O_RDONLY);
    let length: number;
    try {
      length = this.#readStart(file);
    } catch (error) {
      closeSync(file);
      throw error;
    }
    this.#file = file;
    this.#fileFor = number;
    return length;
  }

  /** Reads the start of an open file into the buffer, with the backend's pread when it has one. */
  #readStart(file: number): number {
    const backend = bpfBackend();
    if (!backend.readAt) return readSync(file, this.#buffer, 0, this.#buffer.length, 0);
    const length = backend.readAt(file, this.#buffer, 0);
    if (length < 0) throw new Error(`reading a bpf object's fdinfo: pread failed with ${errnoName(-length)}`);
    return length;
  }

  /** Closes the proc file kept open between reads (the text last read stays readable). Safe to call twice. */
  release(): void {
    if (this.#file < 0) return;
    const file = this.#file;
    this.#file = -1;
    this.#fileFor = -1;
    closeSync(file);
  }

  /** Same as {@link release}, for `using` declarations. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** The text last read. */
  text(): string {
    return this.#buffer.toString("latin1", 0, this.#length);
  }

  /**
   * The decimal value of one `key:\tvalue` line (`memlock`, `frozen`, `owner_prog_type`) of the text
   * last read, or `undefined` when no line has that key or its value is not a decimal number.
   */
  number(key: string): number | undefined {
    return this.#text.number(key);
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
  while (text.charCodeAt(start) === TAB || text.charCodeAt(start) === SPACE) start++;
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

/**
 * The fdinfo numbers `keys` of many objects of one kind, by id: `keys.length` numbers per object,
 * in the order of `ids`, NaN where the object is gone or shows no such number. Each object is
 * opened by id, read and closed at once, three system calls in a tight loop: faster than the same
 * calls spread through other work, and than splitting them over threads, which share the
 * process's descriptor table and slow each other down (measured: 156 ms for 10,000 maps on two
 * threads, 85 ms on one).
 */
export function readFdinfoNumbers(kind: IdKind, ids: readonly number[], keys: readonly string[]): Float64Array {
  const out = new Float64Array(ids.length * keys.length);
  const opener = new IdOpener(kind);
  const reader = new FdinfoReader();
  const load = (fd: number): FdinfoReader => reader.load(fd);
  try {
    for (let i = 0; i < ids.length; i++) {
      const loaded = opener.peek(ids[i]!, load);
      for (let k = 0; k < keys.length; k++) out[i * keys.length + k] = loaded?.number(keys[k]!) ?? Number.NaN;
    }
  } finally {
    reader.release();
  }
  return out;
}
