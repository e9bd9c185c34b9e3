// Splicing the kernel's printed text: markers replaced by user space's text, commas kept right,
// and long text handed out in pieces, whether it comes as bytes or as one string.

import { test } from "node:test";
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { repoRoot } from "../support/testdata.js";

// Internal: loaded from the module tsc built.
const { spliceText } = (await import(pathToFileURL(`${repoRoot}dist/node/iter/listing.js`).href)) as typeof import("../../src/node/iter/listing.js");

const FALLBACK = (id: number): string => `\x01${id}\x02`;
/** A later piece's marker: its index, the object's id and the value, as the kernel prints them. */
const LATER = (index: number, id: number, value: number): string => `\x03${index} ${id} ${value}\x02`;

interface Thing {
  readonly id: number;
}

/** Parts whose fallbacks exist for the ids in `present`, rendered as `{"id":N,"fallback":true}`. */
function partsFor(present: readonly number[]) {
  return {
    template: [],
    counters: [],
    render: (thing: Thing) => `{"id":${thing.id},"fallback":true}`,
    byId: (id: number): Thing | undefined => (present.includes(id) ? { id } : undefined),
  };
}

// The value printed doubled, so that the test sees the piece was applied.
const laters = [{ later: "x", format: (value: bigint) => String(value * 2n) }];

const splice = (text: string | Uint8Array, present: readonly number[] = []): string[] => [...spliceText("prog", text, partsFor(present), laters)];

test("a first object that is gone takes its comma away from the next, and later fallbacks get theirs", () => {
  const text = `${FALLBACK(7)},{"id":1,"v":${LATER(0, 1, 21)}}${FALLBACK(8)},{"id":2,"v":${LATER(0, 2, 5)}}`;
  const joined = splice(text, [8]).join("");
  assert.equal(joined, '{"id":1,"v":42},{"id":8,"fallback":true},{"id":2,"v":10}');
  assert.deepEqual(JSON.parse(`[${joined}]`), [{ id: 1, v: 42 }, { id: 8, fallback: true }, { id: 2, v: 10 }]);
});

test("a leading comma goes, a rendered first fallback gets none, and gone objects leave no trace", () => {
  assert.equal(splice(',{"id":1}').join(""), '{"id":1}');
  assert.equal(splice(`${FALLBACK(3)},{"id":1}${FALLBACK(4)}`, [3]).join(""), '{"id":3,"fallback":true},{"id":1}');
  assert.equal(splice(`${FALLBACK(3)}${FALLBACK(4)}`).join(""), "");
});

test("bytes and one string give the same text, in pieces of about 64 KiB, with markers across the cuts", () => {
  // Objects of varied sizes so that markers fall on and around every 64 KiB boundary.
  const objects: string[] = [];
  for (let id = 1; objects.join("").length < 5 * 65536; id++) {
    const pad = "p".repeat((id * 37) % 900);
    objects.push(id % 50 === 0 ? FALLBACK(id) : `,{"id":${id},"pad":"${pad}","v":${LATER(0, id, id)}}`);
  }
  const text = objects.join("");
  const present = Array.from({ length: 1000 }, (_, i) => i * 50);
  const fromString = splice(text, present);
  const fromBytes = splice(Buffer.from(text, "latin1"), present);
  assert.equal(fromBytes.join(""), fromString.join(""));
  const parsed = JSON.parse(`[${fromBytes.join("")}]`) as { id: number; v?: number; fallback?: boolean }[];
  assert.equal(parsed.length, objects.length);
  assert.ok(parsed.every((item, i) => item.id === i + 1 && (item.fallback === true || item.v === 2 * item.id)));
  for (const pieces of [fromString, fromBytes]) assert.ok(pieces.every((piece) => piece.length <= 65536 + 4096), pieces.map((piece) => piece.length).join(" "));
});

test("no output, and a text of one object longer than a piece, come through whole", () => {
  assert.deepEqual(splice(new Uint8Array(0)), []);
  const long = `,{"id":1,"pad":"${"p".repeat(200_000)}","v":${LATER(0, 1, 4)}}`;
  const pieces = splice(Buffer.from(long, "latin1"));
  assert.equal(pieces.join(""), long.slice(1).replace(LATER(0, 1, 4), "8"));
  assert.ok(pieces.length >= 3 && pieces.every((piece) => piece.length <= 65536 + 4096));
});

test("a marker cut off at the end of the text is an error that says where, not a wrong text", () => {
  assert.throws(() => splice(`,{"id":1,"v":\x030 1 5`), /the marker at byte 13 is cut off/);
  // Past the first window, the place is still counted from the start of the whole text.
  const first = `,{"id":1,"pad":"${"p".repeat(70_000)}"}`;
  assert.throws(() => splice(Buffer.from(`${first},{"id":2,"v":\x030 2 5`, "latin1")), new RegExp(`the marker at byte ${first.length + 13} is cut off`));
});
