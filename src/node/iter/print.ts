// Text printed by an iterator program itself: a template of literal text and named values compiled
// into bpf_seq_printf() calls, so that a listing leaves the kernel as finished text and user space
// only copies it out. Format strings and the texts values select live in a frozen read-only map,
// where the verifier requires them; the argument words are built in a second map's value.

import { fieldLayout } from "bpftypes/codec";
import { Assembler, HELPER, PSEUDO_MAP_VALUE, type Reg, type Size } from "./asm.js";
import { GatherPlan } from "./gather.js";

/**
 * One piece of a text template. Values are named; the iterator that prints the template says where
 * each name's bytes are ({@link ValueSlot}).
 */
export type TextPiece =
  /** Literal text. */
  | string
  /** A number in decimal: unsigned, or `signed` (as C's `%d` prints a word with its top bit set). */
  | { readonly number: string; readonly signed?: boolean }
  /** Eight bytes as 16 hexadecimal digits, in memory order (a program tag). */
  | { readonly hex: string }
  /** A NUL-terminated string. */
  | { readonly text: string }
  /** `texts[value]`; a value past the end sends the whole object to the fallback instead. */
  | { readonly pick: string; readonly texts: readonly string[] }
  /** `then` when the value is not zero, else `otherwise`. */
  | { readonly when: string; readonly then: readonly TextPiece[]; readonly otherwise?: readonly TextPiece[] }
  /** A list of numbers, comma-separated, that the iterator produces one by one. */
  | { readonly list: string }
  /**
   * Text only user space can make: the kernel prints a marker holding the value, and user space
   * replaces it with `format(value, object)` (what a map's fdinfo says, or flag names).
   */
  | LaterPiece;

/** A {@link TextPiece} user space fills in. */
export interface LaterPiece {
  /** The value the kernel puts in the marker. */
  readonly later: string;
  /**
   * The fdinfo numbers `format` asks of its object: declared, they are read for every object at
   * once, in one tight loop, before any text is made.
   */
  readonly fdinfo?: readonly string[];
  /** The text, from the value and the object it belongs to. */
  readonly format: (value: bigint, object: TextObject) => string;
}

/** The object a {@link LaterPiece} is filled in for. */
export interface TextObject {
  /** The object's id. */
  readonly id: number;
  /** A number its fdinfo shows (the object is opened by id once for all its pieces); undefined when it is gone or shows none. */
  fdinfo(key: string): number | undefined;
}

/** Where a named value is while the text is printed: in the record on the stack, or in the scratch map's value. */
export interface ValueSlot {
  /** The record on the program's stack, or the scratch map's value. */
  readonly area: "stack" | "scratch";
  /** Record offset (stack) or byte offset in the scratch value. */
  readonly at: number;
  /** Bytes; a `when` on a longer value (a name) tests its first eight. */
  readonly size: number;
}

/**
 * The slot finder of a template over the records of an iterator: a name among `extra` is a value
 * placed in the scratch value, any other the field of `struct` by that name, in the record on the
 * stack.
 */
export function infoSlots(struct: "bpf_prog_info" | "bpf_map_info", extra: Readonly<Record<string, ValueSlot>>): (name: string) => ValueSlot {
  return (name) => {
    if (Object.hasOwn(extra, name)) return extra[name]!;
    const field = fieldLayout(struct, name);
    return { area: "stack", at: field.offset, size: field.size };
  };
}

/**
 * Prints a list's items: emits code that puts each number in scratch slot `slot` and calls
 * `printItem(first)` for it, and ends at label `done` (unique to this place: a list can be
 * emitted on several branches).
 */
export type ListEmitter = (asm: Assembler, slot: number, printItem: (first: boolean) => void, done: string) => void;

/** bpf_seq_printf() takes at most this many argument words (the kernel's MAX_BPRINTF_VARARGS). */
const MAX_ARGS = 12;
/** The argument words are at the start of the scratch value; named scratch values go after them. */
export const SCRATCH_ARGS = MAX_ARGS * 8;
/** Register holding the scratch value's address while text is printed (callee-saved, so helpers keep it). */
const SCRATCH: Reg = 9;
/** Marks an object the program left to user space: `\x01`, its id in decimal, `\x02`. JSON text never holds raw control bytes. */
export const FALLBACK_OPEN = "\x01";
export const FALLBACK_CLOSE = "\x02";
/** Marks a {@link LaterPiece}: `\x03`, its index among the template's, the object's id and the value (each after a space), `\x02`. */
export const LATER_OPEN = "\x03";
/** The marker's format: the kernel refuses unprintable characters in a format, so the two bytes go in as `%c` arguments (Linux 5.13+). */
const FALLBACK_FORMAT = "%c%u%c";

/** Throws unless `text` is printable ASCII: the kernel refuses a format with any other character (bpf_bprintf_prepare). */
function checkPrintable(text: string): void {
  if (/[^\x20-\x7e]/.test(text)) throw new Error(`printing: ${JSON.stringify(text)} is not printable ASCII`);
}

/** The fdinfo numbers the later pieces of a template declare they read. */
export function fdinfoKeys(pieces: readonly TextPiece[]): string[] {
  const keys = new Set<string>();
  walkPieces(pieces, (piece) => {
    if ("later" in piece) for (const key of piece.fdinfo ?? []) keys.add(key);
  });
  return [...keys];
}

/** Calls `visit` for every piece that is not literal text, those inside a `when` included, in order. */
function walkPieces(pieces: readonly TextPiece[], visit: (piece: Exclude<TextPiece, string>) => void): void {
  for (const piece of pieces) {
    if (typeof piece === "string") continue;
    visit(piece);
    if ("when" in piece) {
      walkPieces(piece.then, visit);
      walkPieces(piece.otherwise ?? [], visit);
    }
  }
}

/** One printf in the making: its format and where each argument comes from. */
interface Pending {
  format: string;
  args: ((asm: Assembler) => void)[];
}

/**
 * A compiled template: the read-only strings it needs ({@link rodata}) and the code printing it.
 * Fix the template once; {@link emit} writes the code into a program given the two maps' descriptors.
 */
export class TextPrinter {
  readonly #pieces: readonly TextPiece[];
  readonly #slot: (name: string) => ValueSlot;
  readonly #lists: Readonly<Record<string, ListEmitter>>;
  /** Format strings by text, and where each starts in the rodata. */
  readonly #stringAt = new Map<string, number>();
  /** Every string in the rodata, formats and table entries, with where it starts. */
  readonly #placed: { readonly at: number; readonly text: string }[] = [];
  #rodataLength = 0;
  #labels = 0;
  #rodata: Uint8Array | undefined;
  /** The template's pieces user space fills in, in order: a marker names one by its index here. */
  readonly laters: readonly LaterPiece[];
  /** Pick tables: where each starts in the rodata and its entries' spacing (a power of two). */
  readonly #tables = new Map<readonly string[], { readonly at: number; readonly shift: number }>();

  /** The name of the objects' ids, which later pieces' markers carry. */
  readonly #idName: string;

  constructor(pieces: readonly TextPiece[], slot: (name: string) => ValueSlot, lists: Readonly<Record<string, ListEmitter>> = {}, idName = "id") {
    this.#idName = idName;
    this.#pieces = pieces;
    this.#slot = slot;
    this.#lists = lists;
    this.#walkPicks(pieces, (piece) => this.#table(piece.texts));
    const laters: LaterPiece[] = [];
    this.#walkLaters(pieces, (piece) => laters.push(piece));
    this.laters = laters;
    // The marker's format, then every other: they are only known once the code is laid out, so a dry run collects them.
    this.#string(FALLBACK_FORMAT);
    this.emit(new Assembler(), -1, -1);
  }

  /** The read-only map's value: every format string and pick table, NUL-terminated. */
  get rodata(): Uint8Array {
    if (this.#rodata === undefined) {
      const bytes = new Uint8Array(Math.max(8, (this.#rodataLength + 7) & ~7));
      for (const { at, text } of this.#placed) for (let i = 0; i < text.length; i++) bytes[at + i] = text.charCodeAt(i);
      this.#rodata = bytes;
    }
    return this.#rodata;
  }

  #string(text: string): number {
    let at = this.#stringAt.get(text);
    if (at === undefined) {
      if (this.#rodata !== undefined) throw new Error(`printing: format ${JSON.stringify(text)} appeared after the strings were laid out`);
      checkPrintable(text);
      at = this.#rodataLength;
      this.#stringAt.set(text, at);
      this.#placed.push({ at, text });
      this.#rodataLength += text.length + 1;
    }
    return at;
  }

  #table(texts: readonly string[]): void {
    if (this.#tables.has(texts)) return;
    let shift = 0;
    while (1 << shift <= Math.max(...texts.map((text) => text.length))) shift++;
    const at = (this.#rodataLength + 7) & ~7;
    texts.forEach(checkPrintable);
    texts.forEach((text, i) => this.#placed.push({ at: at + (i << shift), text }));
    this.#tables.set(texts, { at, shift });
    this.#rodataLength = at + (texts.length << shift);
  }

  #walkPicks(pieces: readonly TextPiece[], visit: (piece: { readonly pick: string; readonly texts: readonly string[] }) => void): void {
    walkPieces(pieces, (piece) => {
      if ("pick" in piece) visit(piece);
    });
  }

  #walkLaters(pieces: readonly TextPiece[], visit: (piece: LaterPiece) => void): void {
    walkPieces(pieces, (piece) => {
      if ("later" in piece) visit(piece);
    });
  }

  /** Emits `r{dst} = the value named name`, zero-extended (a longer value: its first eight bytes). */
  #load(asm: Assembler, dst: Reg, name: string): void {
    const slot = this.#slot(name);
    const size = (slot.size >= 8 ? 8 : slot.size) as Size;
    if (slot.area === "stack") asm.load(size, dst, 10, GatherPlan.stack(slot.at));
    else asm.load(size, dst, SCRATCH, slot.at);
  }

  /**
   * Emits jumps to `fallback` for every object a pick cannot print (its value past its table's
   * end). Place it before anything is printed: an object is printed whole or not at all.
   */
  emitChecks(asm: Assembler, fallback: string): void {
    this.#walkPicks(this.#pieces, (piece) => {
      this.#load(asm, 1, piece.pick);
      asm.jumpIfAtLeast(1, piece.texts.length, fallback);
    });
  }

  /** Emits `r{dst} = the address of the scratch value, plus offset` (a map-value load, no look-up). */
  static scratchAddress(asm: Assembler, dst: Reg, scratchFd: number, offset = 0): void {
    asm.loadImm64(dst, PSEUDO_MAP_VALUE, scratchFd, offset);
  }

  /**
   * Emits the code printing the template to the seq_file in `seq`. Uses r1-r5 and r9; r9 holds the
   * scratch value's address afterwards.
   *
   * Text and values are gathered into one bpf_seq_printf() call until 12 arguments (the kernel's
   * limit), a `when` or a list ends it. Forking the code at each `when` instead, to make fewer and
   * longer calls, was measured: the kernel's cost follows the arguments and bytes printed, not the
   * calls, and the bigger program took longer to verify than it saved.
   */
  emit(asm: Assembler, rodataFd: number, scratchFd: number, seq: Reg = 6): void {
    TextPrinter.scratchAddress(asm, SCRATCH, scratchFd);
    const pending: Pending = { format: "", args: [] };
    const flush = () => {
      if (pending.format === "") return;
      this.#printf(asm, rodataFd, seq, pending.format, pending.args);
      pending.format = "";
      pending.args = [];
    };
    const arg = (format: string, load: (asm: Assembler) => void) => {
      if (pending.args.length === MAX_ARGS) flush();
      pending.format += format;
      pending.args.push(load);
    };
    const walk = (pieces: readonly TextPiece[]): void => {
      for (const piece of pieces) {
        if (typeof piece === "string") pending.format += piece.replaceAll("%", "%%");
        else if ("number" in piece) {
          const long = this.#slot(piece.number).size > 4 ? "ll" : "";
          arg(piece.signed ? `%${long}d` : `%${long}u`, (a) => this.#load(a, 1, piece.number));
        } else if ("hex" in piece) {
          arg("%016llx", (a) => {
            this.#load(a, 1, piece.hex);
            a.toBigEndian64(1);
          });
        } else if ("text" in piece) {
          const slot = this.#slot(piece.text);
          if (slot.area !== "scratch") throw new Error(`printing: text ${piece.text} must be in the scratch value`);
          arg("%s", (a) => a.mov(1, SCRATCH).addImm(1, slot.at));
        } else if ("pick" in piece) {
          const table = this.#tables.get(piece.texts)!;
          arg("%s", (a) => {
            // The checks made before printing keep the value in range; the clamp tells the verifier so.
            const inRange = `pick_${this.#labels++}`;
            this.#load(a, 1, piece.pick);
            a.jumpIfAtMost(1, piece.texts.length - 1, inRange).movImm(1, 0).label(inRange);
            a.lshImm(1, table.shift).loadImm64(2, PSEUDO_MAP_VALUE, rodataFd, table.at).add(1, 2);
          });
        } else if ("when" in piece) {
          flush();
          const otherwise = `otherwise_${this.#labels++}`;
          const end = `end_${this.#labels++}`;
          this.#load(asm, 1, piece.when);
          asm.jumpIfEqual(1, 0, otherwise);
          walk(piece.then);
          flush();
          asm.jump(end).label(otherwise);
          walk(piece.otherwise ?? []);
          flush();
          asm.label(end);
        } else if ("later" in piece) {
          const index = this.laters.indexOf(piece);
          // As the fallback marker, the control bytes go in as `%c` arguments.
          arg("%c", (a) => a.movImm(1, LATER_OPEN.charCodeAt(0)));
          arg("%u", (a) => a.movImm(1, index));
          pending.format += " ";
          arg("%u", (a) => this.#load(a, 1, this.#idName));
          pending.format += " ";
          arg("%llu", (a) => this.#load(a, 1, piece.later));
          arg("%c", (a) => a.movImm(1, FALLBACK_CLOSE.charCodeAt(0)));
        } else {
          flush();
          const emitList = this.#lists[piece.list];
          if (!emitList) throw new Error(`printing: no list named ${piece.list}`);
          const printItem = (first: boolean) => this.#printf(asm, rodataFd, seq, first ? "%u" : ",%u", [(a) => a.load(8, 1, SCRATCH, SCRATCH_ARGS - 8)]);
          emitList(asm, SCRATCH_ARGS - 8, printItem, `list_done_${this.#labels++}`);
        }
      }
    };
    walk(this.#pieces);
    flush();
  }

  /** Emits the fallback marker for the object whose id is `name`'s value. */
  emitFallback(asm: Assembler, rodataFd: number, scratchFd: number, idName: string, seq: Reg = 6): void {
    TextPrinter.scratchAddress(asm, SCRATCH, scratchFd);
    const char = (text: string) => (a: Assembler) => void a.movImm(1, text.charCodeAt(0));
    this.#printf(asm, rodataFd, seq, FALLBACK_FORMAT, [char(FALLBACK_OPEN), (a) => this.#load(a, 1, idName), char(FALLBACK_CLOSE)]);
  }

  /** One bpf_seq_printf(seq, format, args, n * 8), the arguments first stored in the scratch value. */
  #printf(asm: Assembler, rodataFd: number, seq: Reg, format: string, args: readonly ((asm: Assembler) => void)[]): void {
    const at = this.#string(format);
    args.forEach((load, i) => {
      load(asm);
      asm.store(8, SCRATCH, i * 8, 1);
    });
    asm.mov(1, seq).loadImm64(2, PSEUDO_MAP_VALUE, rodataFd, at).movImm(3, format.length + 1);
    if (args.length > 0) asm.mov(4, SCRATCH).movImm(5, args.length * 8);
    else asm.movImm(4, 0).movImm(5, 0);
    asm.call(HELPER.BPF_FUNC_seq_printf);
  }
}
