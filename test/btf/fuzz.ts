// Fuzz properties for the BTF parser, shared by the quick run in the tests and scripts/fuzz-btf.ts: only BtfError may escape.

import assert from "node:assert/strict";
import fc from "fast-check";
import { isBtfError, parseBtf, type Btf, type BtfType } from "bpftypes/btf";
import { BtfBuilder } from "./builder.js";
import { everyKind } from "./helpers.js";

// Runs `fn`, letting only BtfErrors through silently.
function onlyBtfErrors<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (isBtfError(e)) return undefined;
    throw e;
  }
}

/**
 * Parses `bytes` (over `base` if given) and, if that works, uses every part of the API on every type:
 * decoding, kindOf, resolve, sizeof, both lookups, strings. Throws if anything but a BtfError escapes
 * or a lookup answers something inconsistent. Returns whether the blob parsed.
 */
export function exercise(bytes: Uint8Array, base?: Btf): boolean {
  const btf: Btf | undefined = onlyBtfErrors(() => parseBtf(bytes, base === undefined ? undefined : { base }));
  stats.cases++;
  if (btf === undefined) return false;
  stats.parsed++;
  const count = btf.typeCount;
  for (const id of [-1, 0, 0.5, count, count + 1]) onlyBtfErrors(() => btf.type(id));
  for (let id = 0; id < count; id++) {
    const t = onlyBtfErrors((): BtfType => btf.type(id));
    if (t !== undefined) assert.equal(t.id, id);
    onlyBtfErrors(() => btf.kindOf(id));
    const r = onlyBtfErrors(() => btf.resolve(id));
    if (r !== undefined) assert.ok(r >= 0 && r < count);
    const s = onlyBtfErrors(() => btf.sizeof(id));
    if (s !== undefined) assert.ok(s >= 0 && s <= 0xffffffff);
  }
  onlyBtfErrors(() => {
    for (const t of btf.types()) {
      assert.ok(t.id >= btf.startId && t.id < count);
      if (t.name !== "") {
        const found: BtfType | undefined = btf.findByName(t.name, t.kind);
        if (found !== undefined) {
          assert.equal(found.name, t.name);
          assert.equal(found.kind, t.kind);
          assert.ok(found.id <= t.id, "the first match in id order");
        } else {
          // Only names that did not decode cleanly (invalid UTF-8, an embedded NUL) may be unfindable.
          assert.ok(/[\ufffd\0]/.test(t.name), `findByName(${JSON.stringify(t.name)}, ${t.kind}) found nothing`);
        }
      }
      if (t.kind === "enum" || t.kind === "enum64") {
        for (const v of t.values) {
          const e = btf.findEnumWithValue(v.name);
          if (e !== undefined) assert.ok(e.values.some((x) => x.name === v.name));
        }
      }
    }
  });
  onlyBtfErrors(() => btf.pointerSize);
  for (let off = -1; off <= btf.stringEnd; off += Math.max(1, Math.floor(btf.stringEnd / 64))) onlyBtfErrors(() => btf.string(off));
  onlyBtfErrors(() => btf.findByName("int"));
  onlyBtfErrors(() => btf.findEnumWithValue("RED"));
  return true;
}

/** How many blobs {@link exercise} saw, and how many of them parsed (so a run can show it went deep). */
export const stats = { cases: 0, parsed: 0 };

/** The real little blobs the mutations start from, and the base a split seed needs. */
function seeds(): { blob: Uint8Array; base?: Btf }[] {
  const { b } = everyKind();
  const plain = b.build();
  const base = parseBtf(plain);
  const split = new BtfBuilder({ startId: base.typeCount, startStringOffset: base.stringEnd });
  const sp = split.ptr(1);
  split.struct("mod_s", 8, [{ name: "p", type: sp, bitOffset: 0 }, { name: "x", type: 1, bitOffset: 32, bitfieldSize: 3 }]);
  split.typedef("loop_a", split.nextId + 1);
  split.typedef("loop_b", split.nextId - 1);
  split.enum("", 4, [["MOD_X", 3]]);
  const cyc = new BtfBuilder();
  const i = cyc.int("int", 4);
  cyc.array(cyc.nextId, i, 3);
  cyc.typedef("t", cyc.nextId + 1);
  cyc.const(cyc.nextId - 1);
  cyc.struct("self", 4, [{ name: "me", type: cyc.nextId, bitOffset: 0 }]);
  return [
    { blob: plain },
    { blob: b.build({ littleEndian: false }) },
    { blob: b.build({ layout: [[0, 0], [4, 0], [0, 0], [12, 0], [0, 12], [0, 12], [0, 8], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 8], [4, 0], [0, 12], [0, 0], [4, 0], [0, 0], [0, 12], [4, 8]] }) },
    { blob: split.build(), base },
    { blob: cyc.build() },
  ];
}

/** Words a mutation likes to write: edges of every field's range, and info words of real kinds. */
const interestingWord = fc.oneof(
  fc.constantFrom(0, 1, 2, 3, 4, 7, 8, 12, 16, 24, 32, 64, 0xff, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe),
  fc.tuple(fc.integer({ min: 0, max: 31 }), fc.integer({ min: 0, max: 0xffff }), fc.boolean()).map(
    ([kind, vlen, kflag]) => ((kflag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0,
  ),
  fc.integer({ min: 0, max: 40 }),
  fc.nat().map((n) => n >>> 0),
);

/** A named fast-check property; `weight` is its share of the cases in a long run. */
export interface FuzzProperty {
  name: string;
  weight: number;
  property: fc.IProperty<never>;
}

/** All fuzz properties over the parser. */
export function fuzzProperties(): FuzzProperty[] {
  const s = seeds();
  const seedArb = fc.nat(s.length - 1).map((i) => s[i]!);
  const props: { name: string; weight: number; property: fc.IProperty<never> }[] = [];
  const add = <T>(name: string, weight: number, arb: fc.Arbitrary<T>, run: (v: T) => void) =>
    props.push({ name, weight, property: fc.property(arb, run) as unknown as fc.IProperty<never> });

  add("truncations of real blobs", 0.15, fc.tuple(seedArb, fc.nat()), ([seed, n]) => {
    exercise(seed.blob.subarray(0, n % (seed.blob.length + 1)), seed.base);
  });

  add("flipped bits of real blobs", 0.25, fc.tuple(seedArb, fc.array(fc.nat(), { minLength: 1, maxLength: 8 })), ([seed, bits]) => {
    const blob = seed.blob.slice();
    for (const bit of bits) blob[(bit >>> 3) % blob.length]! ^= 1 << (bit & 7);
    exercise(blob, seed.base);
  });

  add(
    "words of real blobs overwritten",
    0.25,
    fc.tuple(seedArb, fc.array(fc.tuple(fc.nat(), interestingWord), { minLength: 1, maxLength: 6 }), fc.boolean()),
    ([seed, pokes, le]) => {
      const blob = seed.blob.slice();
      const dv = new DataView(blob.buffer);
      const words = blob.length >>> 2;
      for (const [at, value] of pokes) dv.setUint32(((at % words) * 4) >>> 0, value, le);
      exercise(blob, seed.base);
    },
  );

  add("random bytes", 0.1, fc.uint8Array({ maxLength: 400 }), (bytes) => {
    exercise(bytes);
  });

  add(
    "random bytes behind a plausible header",
    0.1,
    fc.tuple(fc.uint8Array({ maxLength: 400 }), fc.array(interestingWord, { minLength: 6, maxLength: 6 }), fc.boolean(), fc.nat(7)),
    ([body, hdr, le, wild]) => {
      const blob = new Uint8Array(24 + body.length);
      const dv = new DataView(blob.buffer);
      dv.setUint16(0, 0xeb9f, le);
      blob[2] = 1;
      blob.set(body, 24);
      // Usually a consistent layout (random type words, then a NUL-delimited string section); sometimes wild fields.
      const typeLen = (hdr[0]! % (body.length + 1)) & ~3;
      const fields = [24, 0, typeLen, typeLen, body.length - typeLen];
      if (body.length > typeLen) {
        blob[24 + typeLen] = 0;
        blob[blob.length - 1] = 0;
      }
      if (wild !== 0) fields[wild % 5] = hdr[wild % 5 + 1]!;
      fields.forEach((v, k) => dv.setUint32(4 + k * 4, v, le));
      exercise(blob);
    },
  );

  add(
    "random type records over a real string section",
    0.15,
    fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: 21 }),
        fc.integer({ min: 0, max: 4 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 0, max: 24 }), { minLength: 16, maxLength: 16 }),
      ),
      { maxLength: 24 },
    ),
    (records) => {
      // Small numbers everywhere, so ids and string offsets are mostly valid and the walk gets deep.
      const b = new BtfBuilder();
      b.str("int");
      b.str("RED");
      b.str("x");
      for (const [kind, vlen, kflag, nums] of records) {
        const words = [nums[0]! % 12, ((kflag ? 0x80000000 : 0) | (kind << 24) | vlen) >>> 0, nums[1]!];
        const extra = [1, 17, 14].includes(kind) ? 1 : kind === 3 ? 3 : [4, 5, 15, 19].includes(kind) ? 3 * vlen : [6, 13].includes(kind) ? 2 * vlen : 0;
        for (let k = 0; k < extra; k++) words.push(nums[2 + (k % 14)]! % (k % 3 === 0 ? 12 : 30));
        b.raw(...words);
      }
      exercise(b.build());
    },
  );
  return props;
}
