// Walks backed by BPF iterators: one program run reads every object's info, instead of four or
// five system calls per object. The walks in ../objects.ts choose when to use them; here, when the
// running kernel does not allow one, the walk opens each object by id instead.

import { readFileSync } from "node:fs";
import type { Decoded, MapInfo } from "bpftypes/codec";
import type { MapDetails, ProgramDetails, ProgramOptions } from "../objects.js";
import type { BpfFd } from "../fd.js";
import { BPF_F_RDONLY_PROG, BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_ARRAY } from "bpftypes";
import { bootNsToEpochMs, bootTimeNs } from "../boot-time.js";
import { createMap, mapFreeze, mapUpdate, type MapFd } from "../maps.js";
import { possibleCpus } from "../cpus.js";
import { bufferOf } from "../bytes.js";
import { FdinfoReader, readFdinfoNumbers } from "../fdinfo.js";
import { getNextId, IdOpener } from "../ids.js";
import { kernelPageSize } from "../page-size.js";
import { KernelBtfError } from "./kernel-btf.js";
import { cacheDirectory } from "../cache-files.js";
import { CachedKernelTypes } from "./kernel-types.js";
import { PROGRAM_SCRATCH_SIZE, ProgramIterator, type IteratedProgram, type PrintMaps } from "./programs.js";
import { FALLBACK_CLOSE, FALLBACK_OPEN, fdinfoKeys, LATER_OPEN, TextPrinter, type LaterPiece, type TextObject, type TextPiece } from "./print.js";
import type { IteratorRecords } from "./gather.js";
import { MAP_SCRATCH_SIZE, MapIterator, needsDescriptor, type IteratedMap } from "./maps.js";
import { objectId, runIterator, type IteratorProgram, type IterTarget } from "./run.js";

/** How a walk reads objects: through a BPF iterator, by opening each by id, or the first that works. */
export type WalkMethod = "auto" | "iterator" | "descriptors";

/** Thrown when a walk was asked to use an iterator and the running kernel or process does not allow one. */
export class IteratorUnavailableError extends Error {
  /** Always `"IteratorUnavailableError"`: check it to recognize the error across copies of this package. */
  override readonly name = "IteratorUnavailableError";
}

/**
 * Ids of the programs, maps, links and BTF objects this process made to run iterators. The kernel frees them
 * only after a grace period, so a walk soon after may still meet them; walks leave them out. Ids
 * are not reused soon, so the few hundred most recent are enough.
 */
const ownIds = { prog: new Set<number>(), map: new Set<number>(), link: new Set<number>(), btf: new Set<number>() };
const OWN_IDS_KEPT = 256;

function rememberOwn(kind: keyof typeof ownIds, id: number): void {
  const ids = ownIds[kind];
  ids.add(id);
  if (ids.size > OWN_IDS_KEPT) ids.delete(ids.values().next().value!);
}

/** Whether `id` is a program, map, link or BTF object this process made to run an iterator (walks leave those out). */
export function isIteratorObject(kind: string, id: number): boolean {
  return Object.hasOwn(ownIds, kind) && ownIds[kind as keyof typeof ownIds].has(id);
}

let kernelTypes: CachedKernelTypes | undefined;
let programIterator: ProgramIterator | undefined;
let mapIterator: MapIterator | undefined;

function runningKernelTypes(): CachedKernelTypes {
  kernelTypes ??= new CachedKernelTypes(cacheDirectory());
  return kernelTypes;
}

/**
 * The kernel writes owners' uids as seen from the reader's user namespace; an iterator reads the
 * raw ones, which are the same only in the initial namespace (an identity map of every uid).
 */
function requireInitialUserNamespace(doing: string): void {
  const fields = readFileSync("/proc/self/uid_map", "latin1").trim().split(/\s+/);
  if (fields.length === 3 && fields[0] === "0" && fields[1] === "0" && fields[2] === "4294967295") return;
  throw new IteratorUnavailableError(`${doing} through an iterator: this process is not in the initial user namespace, where the kernel's uids are the ones to show`);
}

/** Whether an error means only "no iterator here", so that walking by descriptors is the answer. */
function meansUnavailable(error: unknown): boolean {
  return !(error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError);
}

/** What the program walk needs from the descriptor-based code. */
export interface ProgramWalkParts {
  /** Reads one program through a descriptor; undefined when it is gone. */
  readonly byId: (id: number) => ProgramDetails | undefined;
  /** The full name of function `typeId` in BTF object `btfId`, when the kernel cut a program's name. */
  readonly functionName: (btfId: number, typeId: number) => string | undefined;
  /** The descriptor-based walk, for when no iterator can be used. */
  readonly fallback: () => Generator<ProgramDetails, void, undefined>;
}

/** Every program through a BPF iterator (or, in `auto` mode, by descriptors when that is not possible). */
export function* iteratePrograms(options: ProgramOptions, method: WalkMethod, parts: ProgramWalkParts): Generator<ProgramDetails, void, undefined> {
  const pageSize = kernelPageSize();
  const compare = (program: IteratedProgram): string | undefined => {
    if (program.needsDescriptor) return undefined;
    const truth = parts.byId(program.info.id ?? 0);
    return truth && firstDifference(toDetails(program, options, pageSize, parts), truth);
  };
  const records = checkedRun("reading programs", method, () => {
    requireInitialUserNamespace("reading programs");
    const iterator = (programIterator ??= new ProgramIterator(runningKernelTypes(), possibleCpus()));
    // A one-element per-CPU array the program measures per-CPU offsets with.
    return withOwnMaps((make) => iterator.records(runOwn("bpf_prog", iterator.assemble(make(BPF_MAP_TYPE_PERCPU_ARRAY, 8).fd.fd))));
  }, (records) => checkFirst("prog", records, compare));
  if (!records) {
    yield* parts.fallback();
    return;
  }
  for (let index = 0; index < records.ids.length; index++) {
    const id = records.ids[index]!;
    if (ownIds.prog.has(id)) continue;
    const program = records.decode(index);
    if (program.needsDescriptor) {
      const details = parts.byId(id);
      if (details) yield details;
    } else yield toDetails(program, options, pageSize, parts);
  }
}

/** What {@link printPrograms} or {@link printMaps} prints and how it checks what the kernel printed. */
export interface TextParts<T> {
  /**
   * The text of one object, which must start with the literal `{"id":` and the number `id` (so
   * that a piece of text can be told apart by its object). Programs can name the fields of
   * `bpf_prog_info` and `PROGRAM_TEXT_VALUES`, and list `map_ids`; maps the fields of
   * `bpf_map_info` and `MAP_TEXT_VALUES`.
   */
  readonly template: readonly TextPiece[];
  /** The same text, made in user space, for an object read through its descriptor. */
  readonly render: (object: T) => string;
  /** Keys of the JSON whose numbers may grow between two reads of one object (run counters). */
  readonly counters: readonly string[];
  /** Reads one object through a descriptor; undefined when it is gone. */
  readonly byId: (id: number) => T | undefined;
}

/** Words for the objects a text walk prints. */
const TEXT_KINDS = { prog: { one: "program", many: "programs" }, map: { one: "map", many: "maps" } } as const;

/**
 * Every program as JSON text printed by the kernel: one BPF iterator program prints each
 * program's `template` (comma-separated, as the items of a JSON array), so no per-program work is
 * left to JavaScript. Programs the template cannot print (offloaded ones, cut names, more than
 * {@link MAX_FUNCS} functions) are marked by the kernel and rendered here with `render`.
 *
 * Before anything is returned, the text of the kernel's first program must equal `render`'s for
 * it (counters may have grown). Returns undefined when that fails or no iterator can run in
 * `auto` mode; throws an {@link IteratorUnavailableError} in `iterator` mode.
 */
export function printPrograms(method: Exclude<WalkMethod, "descriptors">, parts: TextParts<ProgramDetails>): Generator<string, void, undefined> | undefined {
  return printText("prog", method, parts, () => {
    requireInitialUserNamespace("printing programs");
    const iterator = (programIterator ??= new ProgramIterator(runningKernelTypes(), possibleCpus()));
    if (!iterator.fillsWholeInfo) throw new KernelBtfError("the running kernel's bpf_prog_info is older than this package's, so fields would be missing");
    return {
      target: "bpf_prog",
      scratchSize: PROGRAM_SCRATCH_SIZE,
      printer: (template) => new TextPrinter(template, ProgramIterator.slot, iterator.listEmitters()),
      // A one-element per-CPU array the program measures per-CPU offsets with.
      assemble: (printer, maps, make) => iterator.assembleText(make(BPF_MAP_TYPE_PERCPU_ARRAY, 8).fd.fd, printer, maps, { bootEpochNs: bootTimeNs(), pageSize: kernelPageSize() }),
    };
  });
}

/**
 * Every map as JSON text printed by the kernel, as {@link printPrograms} prints programs. Maps
 * the template cannot print (struct_ops maps; program arrays, whose owner only their fdinfo
 * tells; maps offloaded to a device) are rendered here with `render`; what else only a map's
 * fdinfo says comes in through the template's later pieces.
 */
export function printMaps(method: Exclude<WalkMethod, "descriptors">, parts: TextParts<MapDetails>): Generator<string, void, undefined> | undefined {
  return printText("map", method, parts, () => {
    const iterator = (mapIterator ??= new MapIterator(runningKernelTypes()));
    if (!iterator.fillsWholeInfo) throw new KernelBtfError("the running kernel's bpf_map_info is older than this package's, so fields would be missing");
    return {
      target: "bpf_map",
      scratchSize: MAP_SCRATCH_SIZE,
      printer: (template) => new TextPrinter(template, MapIterator.slot),
      // A host hash map and array map: an offloaded map of those types has other operations than theirs.
      assemble: (printer, maps, make) => iterator.assembleText(printer, maps, { hash: make(BPF_MAP_TYPE_HASH, 4).fd.fd, array: make(BPF_MAP_TYPE_ARRAY, 4).fd.fd }),
    };
  });
}

/** How the text program of one kind is made, for {@link printText}. */
interface TextProgram {
  readonly target: IterTarget;
  /** Bytes of the scratch value the program uses. */
  readonly scratchSize: number;
  /** The compiled template. */
  readonly printer: (template: readonly TextPiece[]) => TextPrinter;
  /** The program, given the printer, its two maps and a maker of any other map it needs. */
  readonly assemble: (printer: TextPrinter, maps: PrintMaps, make: typeof ownMap) => IteratorProgram;
}

/** Runs the text program `prepare` describes, checks its first object and returns its text with user space's parts filled in. */
function printText<T extends { readonly id: number }>(kind: "prog" | "map", method: Exclude<WalkMethod, "descriptors">, parts: TextParts<T>, prepare: () => TextProgram): Generator<string, void, undefined> | undefined {
  const prefix = parts.template.slice(0, 2);
  const doing = `printing ${TEXT_KINDS[kind].many}`;
  if (prefix[0] !== '{"id":' || typeof prefix[1] !== "object" || !("number" in prefix[1]) || prefix[1].number !== "id") {
    throw new TypeError(`${doing}: the template must start with the text {"id": and the number id`);
  }
  let laters: readonly LaterPiece[] = [];
  const bytes = checkedRun(doing, method, () => {
    const maker = prepare();
    // Every item starts with a comma; user space drops the first one.
    const printer = maker.printer([",", ...parts.template]);
    laters = printer.laters;
    return withOwnMaps((make) => {
      const rodata = make(BPF_MAP_TYPE_ARRAY, printer.rodata.length, BPF_F_RDONLY_PROG);
      mapUpdate(rodata.fd, new Uint8Array(4), printer.rodata);
      mapFreeze(rodata.fd);
      const scratch = make(BPF_MAP_TYPE_ARRAY, maker.scratchSize);
      return runOwn(maker.target, maker.assemble(printer, { rodata: rodata.fd.fd, scratch: scratch.fd.fd }, make));
    });
  }, (bytes) => checkFirstText(kind, textWindows(bytes).next().value ?? "", parts, laters));
  if (bytes === undefined) return undefined;
  const keys = fdinfoKeys(parts.template);
  return spliceText(kind, bytes, parts, laters, keys.length > 0 ? prefetch(kind, bytes, laters, keys) : undefined);
}

/** Fdinfo numbers read ahead for many objects: `numbers[index.get(id) * keys.length + k]`. */
interface Prefetched {
  readonly keys: readonly string[];
  readonly index: ReadonlyMap<number, number>;
  readonly numbers: Float64Array;
}

/**
 * Reads the fdinfo numbers the text's later pieces declare, for every object they are asked for, in
 * one tight loop. The markers are found in the kernel's bytes: the text is made into strings only
 * once, when it is spliced.
 */
function prefetch(kind: "prog" | "map", bytes: Uint8Array, laters: readonly LaterPiece[], keys: readonly string[]): Prefetched {
  const buffer = bufferOf(bytes);
  const index = new Map<number, number>();
  for (let at = buffer.indexOf(LATER_BYTE); at >= 0; at = buffer.indexOf(LATER_BYTE, at + 1)) {
    // `\x03`, the piece's index, a space, the object's id, a space: see LATER_OPEN.
    const space = buffer.indexOf(SPACE_BYTE, at);
    if (space < 0 || !laters[decimalIn(buffer, at + 1, space)]?.fdinfo) continue;
    const id = decimalIn(buffer, space + 1, buffer.indexOf(SPACE_BYTE, space + 1));
    if (!index.has(id)) index.set(id, index.size);
  }
  return { keys, index, numbers: readFdinfoNumbers(kind, [...index.keys()], keys) };
}

const LATER_BYTE = LATER_OPEN.charCodeAt(0);
const SPACE_BYTE = 0x20;

/** The decimal number in `bytes[start, end)`, or NaN when there is none there (as `Number()` of the text would say). */
function decimalIn(bytes: Uint8Array, start: number, end: number): number {
  if (end <= start) return Number.NaN;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = bytes[i]! - 0x30;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return value;
}

/** Where a printed object starts: every one the kernel prints begins so (see {@link printText}). */
const OBJECT_START = Buffer.from(',{"id":', "latin1");

/**
 * The kernel's text as strings of about {@link TEXT_PIECE} characters, each cut where an object
 * starts, so that no marker is ever cut in two. One string of megabytes would be new memory for
 * all of it at once: 10,000 programs' 3.3 MB took ~9 ms to become one string here, and ~2 ms as
 * strings of 64 KiB that the young generation recycles.
 */
function* textWindows(bytes: Uint8Array): Generator<string, void, undefined> {
  const buffer = bufferOf(bytes);
  for (let start = 0; start < buffer.length; ) {
    let end = start + TEXT_PIECE < buffer.length ? buffer.indexOf(OBJECT_START, start + TEXT_PIECE) : buffer.length;
    if (end < 0) end = buffer.length;
    yield buffer.toString("latin1", start, end);
    start = end;
  }
}

/** The marker at `at` (a fallback's or a later piece's): what it holds, and where it ends. */
function readMarker(text: string, at: number): { readonly body: string; readonly end: number } {
  const close = text.indexOf(FALLBACK_CLOSE, at);
  if (close < 0) throw new Error(`printing: a marker at byte ${at} is cut off`);
  return { body: text.slice(at + 1, close), end: close + 1 };
}

/** Text is handed out in pieces of about this many characters. */
const TEXT_PIECE = 1 << 16;

/**
 * The text with the kernel's markers replaced: a fallback object by user space's rendering (this
 * package's own iterator objects left out), a later piece by its text. Runs once per object, so
 * it only searches and slices. `source` is the kernel's whole output, or the text of one object.
 * Exported for the tests; the package's entry point does not export it.
 */
export function* spliceText<T>(kind: "prog" | "map", source: Uint8Array | string, parts: TextParts<T>, laters: readonly LaterPiece[], prefetched?: Prefetched): Generator<string, void, undefined> {
  const objects = new TextObjects(kind, prefetched);
  // Whether an item was written (every item starts with a comma, and the first one's goes), and
  // where in the whole text the window being spliced starts.
  const state = { wrote: false, offset: 0 };
  try {
    for (const text of typeof source === "string" ? [source] : textWindows(source)) {
      yield* spliceWindow(kind, text, parts, laters, objects, state);
      state.offset += text.length;
    }
  } finally {
    objects.release();
  }
}

/** {@link spliceText} for one window of the text, which starts where an object does. */
function* spliceWindow<T>(kind: "prog" | "map", text: string, parts: TextParts<T>, laters: readonly LaterPiece[], objects: TextObjects, state: { wrote: boolean; readonly offset: number }): Generator<string, void, undefined> {
  let out = "";
  let from = 0;
  if (!state.wrote && text.startsWith(",")) {
    from = 1;
    state.wrote = true;
  }
  let nextFallback = text.indexOf(FALLBACK_OPEN, from);
  let nextLater = laters.length > 0 ? text.indexOf(LATER_OPEN, from) : -1;
  for (;;) {
    const at = nextFallback < 0 ? nextLater : nextLater < 0 ? nextFallback : Math.min(nextFallback, nextLater);
    // A long run without markers (programs rarely have any) goes out in pieces too, not as one
    // string that the writer would then copy whole.
    const end = at < 0 ? text.length : at;
    while (out.length + (end - from) >= TEXT_PIECE) {
      const cut = from + (TEXT_PIECE - out.length);
      yield out + text.slice(from, cut);
      out = "";
      from = cut;
    }
    out += text.slice(from, end);
    if (at < 0) break;
    const close = text.indexOf(FALLBACK_CLOSE, at);
    if (close < 0) throw new Error(`printing: the marker at byte ${state.offset + at} is cut off`);
    from = close + 1;
    if (at === nextLater) {
      // index, id and value, separated by spaces
      const space = text.indexOf(" ", at);
      const space2 = text.indexOf(" ", space + 1);
      const piece = laters[Number(text.slice(at + 1, space))];
      if (piece === undefined || space2 < 0 || space2 > close) throw new Error(`printing: the marker at byte ${state.offset + at} names no later piece`);
      out += piece.format(BigInt(text.slice(space2 + 1, close)), objects.at(Number(text.slice(space + 1, space2))));
      nextLater = text.indexOf(LATER_OPEN, from);
    } else {
      const id = Number(text.slice(at + 1, close));
      const fallback = ownIds[kind].has(id) ? undefined : parts.byId(id);
      if (fallback) {
        out += (state.wrote ? "," : "") + parts.render(fallback);
        state.wrote = true;
      } else if (!state.wrote && text[from] === ",") {
        from++;
        state.wrote = true;
      }
      nextFallback = text.indexOf(FALLBACK_OPEN, from);
    }
    if (out.length >= TEXT_PIECE) {
      yield out;
      out = "";
    }
  }
  if (out !== "") yield out;
}

/**
 * The object later pieces are filled in for, pointed at each id in turn (nothing is allocated per
 * object): opened by id at most once, for its fdinfo.
 */
class TextObjects implements TextObject {
  readonly #reader = new FdinfoReader();
  readonly #opener: IdOpener;
  readonly #prefetched: Prefetched | undefined;
  #id = -1;
  /** Whether the fdinfo was read; undefined while nobody asked. */
  #loaded: boolean | undefined;

  constructor(kind: "prog" | "map", prefetched?: Prefetched) {
    this.#opener = new IdOpener(kind);
    this.#prefetched = prefetched;
  }

  get id(): number {
    return this.#id;
  }

  /** This, now standing for the object with this id. */
  at(id: number): TextObject {
    if (this.#id !== id) {
      this.#id = id;
      this.#loaded = undefined;
    }
    return this;
  }

  fdinfo(key: string): number | undefined {
    const ahead = this.#prefetched;
    const index = ahead?.index.get(this.#id);
    const k = ahead?.keys.indexOf(key) ?? -1;
    if (ahead && index !== undefined && k >= 0) {
      const value = ahead.numbers[index * ahead.keys.length + k]!;
      return Number.isNaN(value) ? undefined : value;
    }
    this.#loaded ??= this.#opener.peek(this.#id, (fd) => this.#reader.load(fd)) !== undefined;
    return this.#loaded ? this.#reader.number(key) : undefined;
  }

  /** Closes the proc file the reader keeps open. */
  release(): void {
    this.#reader.release();
  }
}

/**
 * Checks the kernel's text against the kernel's own answers: the first object by get-next-id must
 * come first, and the first object the kernel printed must read as `render` prints it after a
 * read through its descriptor. Returns what is wrong, or whether an object was compared.
 */
function checkFirstText<T>(kind: "prog" | "map", text: string, parts: TextParts<T>, laters: readonly LaterPiece[]): CheckResult {
  const { one } = TEXT_KINDS[kind];
  let first = firstKernelId(kind);
  if (first === undefined) return UNCHECKED;
  let at = 0;
  while (at < text.length) {
    if (text[at] === FALLBACK_OPEN) {
      const marker = readMarker(text, at);
      const id = Number(marker.body);
      if (!ownIds[kind].has(id)) {
        if (first !== undefined && id !== first) return `the kernel's first ${one} is ${first}, but the iterator's is ${id}`;
        first = undefined;
      }
      at = marker.end;
      continue;
    }
    const end = jsonEnd(text, at + 1);
    const printed = [...spliceText(kind, text.slice(at, end), parts, laters)].join("");
    const id = Number(/^\{"id":(\d+)/.exec(printed)?.[1]);
    if (first !== undefined && id !== first) return `the kernel's first ${one} is ${first}, but the iterator printed ${id} first`;
    const truth = parts.byId(id);
    if (truth === undefined) return UNCHECKED;
    let kernel: unknown;
    try {
      kernel = JSON.parse(printed);
    } catch {
      return `${one} ${id} was printed as text that is not JSON: ${printed.slice(0, 200)}`;
    }
    const difference = firstDifferenceIn(kernel, JSON.parse(parts.render(truth)), new Set(parts.counters));
    return difference === undefined ? CHECKED : `${one} ${id} was printed with ${difference} unlike BPF_OBJ_GET_INFO_BY_FD's answer; this kernel's layout is not the one the iterator was written for`;
  }
  return UNCHECKED;
}

/** The index just past the JSON object or array starting at `start`. */
function jsonEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "{" || c === "[") depth++;
    else if ((c === "}" || c === "]") && --depth === 0) return i + 1;
  }
  return text.length;
}

/**
 * The first path (`"tag.3"`) at which two values differ, or undefined: parsed JSON, or decoded info
 * structs (bigints and byte arrays included). A number under a `counters` key may only have grown
 * from `a` to `b`, since the two were read one after the other.
 */
function firstDifferenceIn(a: unknown, b: unknown, counters: ReadonlySet<string>, path = ""): string | undefined {
  if (typeof a === "object" && a !== null && typeof b === "object" && b !== null && Array.isArray(a) === Array.isArray(b)) {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) {
      const where = path === "" ? key : `${path}.${key}`;
      if (counters.has(key)) {
        // Numbers and bigints compare exactly with each other.
        if (((x[key] ?? 0) as number | bigint) > ((y[key] ?? 0) as number | bigint)) return where;
      } else {
        const difference = firstDifferenceIn(x[key], y[key], counters, where);
        if (difference !== undefined) return difference;
      }
    }
    return undefined;
  }
  return a === b ? undefined : path || "the value";
}

/** Creates a one-element map for an iterator run, remembered (by its id) as this process's own. */
function ownMap(mapType: number, valueSize: number, mapFlags = 0): { readonly fd: MapFd; readonly id: number } {
  const fd = createMap({ mapType, keySize: 4, valueSize, maxEntries: 1, mapFlags, name: "bpftypes_iter" });
  try {
    const id = objectId(fd, "bpf_map_info");
    rememberOwn("map", id);
    return { fd, id };
  } catch (error) {
    fd.close();
    throw error;
  }
}

/**
 * Runs `use` with a maker of one-element maps ({@link ownMap}) and closes every map it made, also
 * on failure: a loaded program keeps the maps it uses alive.
 */
function withOwnMaps<T>(use: (make: typeof ownMap) => T): T {
  const made: MapFd[] = [];
  try {
    return use((mapType, valueSize, mapFlags) => {
      const map = ownMap(mapType, valueSize, mapFlags);
      made.push(map.fd);
      return map;
    });
  } finally {
    for (const fd of made) fd.close();
  }
}

/** Runs an iterator program and remembers the objects it made as this process's own; returns what it wrote. */
function runOwn(target: IterTarget, program: IteratorProgram): Uint8Array {
  const output = runIterator(runningKernelTypes(), target, program);
  rememberOwn("prog", output.progId);
  rememberOwn("link", output.linkId);
  if (output.btfId !== 0) rememberOwn("btf", output.btfId);
  return output.bytes;
}

/** What a check of an iterator's output found: what is wrong, or whether anything was compared. */
type CheckResult = string | boolean;
const CHECKED = true;
const UNCHECKED = false;

/**
 * The output of an iterator run (`run`), once `check` found it right against the kernel's own
 * answers; undefined when the walk should go by descriptors instead (in `auto` mode, when no
 * iterator can run or its output reads wrong). In `iterator` mode those cases throw an
 * {@link IteratorUnavailableError} with the reason. What the program was written from is saved for
 * this boot only once an object was compared and found right.
 */
function checkedRun<T>(doing: string, method: WalkMethod, run: () => T, check: (output: T) => CheckResult): T | undefined {
  let output: T;
  try {
    output = run();
  } catch (error) {
    if (method === "iterator") throw asUnavailable(error, doing);
    if (!meansUnavailable(error)) throw error;
    return undefined;
  }
  const result = check(output);
  if (typeof result === "string") {
    if (method === "iterator") throw new IteratorUnavailableError(`${doing} through an iterator: ${result}`);
    return undefined;
  }
  if (result === CHECKED) runningKernelTypes().save();
  return output;
}

/** The kernel's first object of a kind by get-next-id, leaving out this process's own; undefined when there is none. */
function firstKernelId(kind: "prog" | "map"): number | undefined {
  let first: number | undefined = 0;
  do first = getNextId(kind, first);
  while (first !== undefined && ownIds[kind].has(first));
  return first;
}

/**
 * Checks an iterator's records against the kernel's own answers before any is handed out: the
 * kernel's first object (by get-next-id) must be among them, and must read the same field for
 * field through its descriptor (`compare` says how it differs, if it does). Returns what is wrong,
 * or whether an object was compared.
 */
function checkFirst<T>(kind: "prog" | "map", records: IteratorRecords<T>, compare: (record: T) => string | undefined): CheckResult {
  const first = firstKernelId(kind);
  if (first === undefined) return UNCHECKED;
  const index = records.ids.indexOf(first);
  const record = index < 0 ? undefined : records.decode(index);
  if (record === undefined) return `the kernel's first ${kind} (id ${first}) is not among the records, so their ids are not where this kernel keeps them`;
  const difference = compare(record);
  if (difference !== undefined) return `${kind} ${first} reads ${difference} differently than BPF_OBJ_GET_INFO_BY_FD says; this kernel's layout is not the one the iterator was written for`;
  return CHECKED;
}

/** A failure to build, load or run an iterator as the error saying so, `doing` ("reading maps") first. */
function asUnavailable(error: unknown, doing: string): unknown {
  if (error instanceof IteratorUnavailableError || !meansUnavailable(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new IteratorUnavailableError(`${doing} through an iterator: ${reason}`, { cause: error });
}

function toDetails(program: IteratedProgram, options: ProgramOptions, pageSize: number, parts: ProgramWalkParts): ProgramDetails {
  const info = program.info;
  let name = info.name ?? "";
  if (options.fullName !== false && name.length >= 15 && (info.btf_id ?? 0) !== 0 && (info.nr_func_info ?? 0) > 0) {
    name = parts.functionName(info.btf_id!, program.firstFuncTypeId) ?? name;
  }
  const loadTime = info.load_time;
  return {
    id: info.id ?? 0,
    info,
    name,
    mapIds: options.mapIds === false ? [] : program.mapIds,
    loadedAt: loadTime === undefined || loadTime === 0n ? undefined : bootNsToEpochMs(loadTime),
    bytesMemlock: options.fdinfo === false ? undefined : program.pages * pageSize,
    orphaned: false,
  };
}

/** The fields of an info struct that count, and can only have grown between the iterator's read and a later one. */
const INFO_COUNTERS: ReadonlySet<string> = new Set(["run_time_ns", "run_cnt", "recursion_misses"]);

/** The first field in which an iterated program differs from the kernel's own answer, or undefined. */
function firstDifference(iterated: ProgramDetails, truth: ProgramDetails): string | undefined {
  const info = firstDifferenceIn(iterated.info, truth.info, INFO_COUNTERS);
  if (info !== undefined) return info;
  if (iterated.mapIds.join() !== truth.mapIds.join()) return "map_ids";
  if (iterated.name !== truth.name) return "name";
  if (truth.bytesMemlock !== undefined && iterated.bytesMemlock !== truth.bytesMemlock) return "memlock";
  return undefined;
}

/** What the map walk needs from the descriptor-based code. */
export interface MapWalkParts {
  /** Opens each of `ids` still there and reads it with `read` (a walk by descriptors over given ids). */
  readonly walkIds: (ids: readonly number[], read: (fd: BpfFd, id: number) => MapDetails) => Generator<MapDetails, void, undefined>;
  /** The details of a map whose info is known: its fdinfo facts. */
  readonly fromInfo: (fd: BpfFd, info: Decoded<MapInfo>) => MapDetails;
  /** The details of a map read wholly through its descriptor. */
  readonly byDescriptor: (fd: BpfFd) => MapDetails;
  /** Opens the map with this id and reads it wholly through its descriptor; undefined when it is gone. */
  readonly byId: (id: number) => MapDetails | undefined;
  /** The descriptor-based walk, for when no iterator can be used. */
  readonly fallback: () => Generator<MapDetails, void, undefined>;
  /** Given when no fdinfo fact is wanted: the details from the info alone, so no map is opened. */
  readonly infoOnly?: (info: Decoded<MapInfo>) => MapDetails;
}

/**
 * Every map, its info from a BPF iterator and its fdinfo through a descriptor (or, in `auto` mode,
 * wholly by descriptors when no iterator can be used). A hash map and an array map created for the
 * run show the operation tables of host maps, so that an offloaded map (whose info comes from its
 * device) is recognised and read through its descriptor.
 */
export function* iterateMaps(method: WalkMethod, parts: MapWalkParts): Generator<MapDetails, void, undefined> {
  const hostOps = new Map<number, bigint>();
  const compare = (map: IteratedMap): string | undefined => {
    if (needsDescriptor(map, hostOps)) return undefined;
    const truth = parts.byId(map.info.id ?? 0);
    return truth && firstDifferenceIn(map.info, truth.info, INFO_COUNTERS);
  };
  const records = checkedRun("reading maps", method, () => {
    const iterator = (mapIterator ??= new MapIterator(runningKernelTypes()));
    return withOwnMaps((make) => {
      const referenceIds = new Set([make(BPF_MAP_TYPE_HASH, 4).id, make(BPF_MAP_TYPE_ARRAY, 4).id]);
      const records = iterator.records(runOwn("bpf_map", { insns: iterator.insns }));
      records.ids.forEach((id, index) => {
        if (!referenceIds.has(id)) return;
        const reference = records.decode(index);
        hostOps.set(reference.info.type ?? 0, reference.ops);
      });
      return records;
    });
  }, (records) => checkFirst("map", records, compare));
  if (!records) {
    yield* parts.fallback();
    return;
  }
  const indexOf = new Map<number, number>();
  records.ids.forEach((id, index) => {
    if (!ownIds.map.has(id)) indexOf.set(id, index);
  });
  const infoOnly = parts.infoOnly;
  if (infoOnly) {
    for (const [id, index] of indexOf) {
      const map = records.decode(index);
      if (!needsDescriptor(map, hostOps)) yield infoOnly(map.info);
      else {
        const details = parts.byId(id);
        if (details) yield details;
      }
    }
    return;
  }
  yield* parts.walkIds([...indexOf.keys()], (fd, id) => {
    const map = records.decode(indexOf.get(id)!);
    return needsDescriptor(map, hostOps) ? parts.byDescriptor(fd) : parts.fromInfo(fd, map.info);
  });
}
