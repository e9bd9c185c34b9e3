// Test helper: runs `bpftool btf dump ... format raw`, parses its text, and compares it with our decoding.

import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import type { Btf, BtfType } from "bpftypes/btf";

/** The bpftool binary, or undefined if it is not installed. */
export function findBpftool(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/usr/local/sbin", "/sbin"])) {
    if (dir !== "" && existsSync(`${dir}/bpftool`)) return `${dir}/bpftool`;
  }
  return undefined;
}

/** Whether live checks must run rather than skip (set by CI). */
export const requireLive = process.env.BPFTYPES_REQUIRE_LIVE === "1";

/** One type as bpftool prints it: the header line's fields and one entry per indented line. */
export interface RawType {
  id: number;
  kind: string;
  name: string;
  attrs: Map<string, string>;
  lines: { name: string | undefined; attrs: Map<string, string> }[];
}

function parseAttrs(text: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const token of text.split(" ")) {
    const eq = token.indexOf("=");
    if (eq > 0) attrs.set(token.slice(0, eq), token.slice(eq + 1).replace(/,$/, ""));
  }
  return attrs;
}

/** Runs bpftool's raw dump of `file` (split from `base` if given) and parses every type. */
export function bpftoolRawDump(bpftool: string, file: string, base?: string): RawType[] {
  const args = [...(base === undefined ? [] : ["-B", base]), "btf", "dump", "file", file, "format", "raw"];
  // Through a file: bpftool writes 10 MB, and a pipe into this process makes it wait on every chunk.
  const dir = mkdtempSync(join(tmpdir(), "bpftypes-bpftool-"));
  let text: string;
  try {
    const outPath = join(dir, "dump.txt");
    const fd = openSync(outPath, "w");
    let res;
    try {
      res = spawnSync(bpftool, args, { stdio: ["ignore", fd, "pipe"], encoding: "utf8" });
    } finally {
      closeSync(fd);
    }
    if (res.error) throw res.error;
    assert.equal(res.status, 0, `bpftool ${args.join(" ")} failed: ${res.stderr}`);
    text = readFileSync(outPath, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const out: RawType[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("\t")) {
      const m = /^\t(?:'(.*?)')? ?(.*)$/.exec(line);
      assert.ok(m, `unparsed bpftool line: ${line}`);
      out.at(-1)!.lines.push({ name: m[1], attrs: parseAttrs(m[2]!) });
      continue;
    }
    const m = /^\[(\d+)\] (\S+) '(.*)'(?: (.*))?$/.exec(line);
    assert.ok(m, `unparsed bpftool line: ${line}`);
    out.push({ id: Number(m[1]), kind: m[2]!, name: m[3] === "(anon)" ? "" : m[3]!, attrs: parseAttrs(m[4] ?? ""), lines: [] });
  }
  return out;
}

const anon = (s: string | undefined): string => (s === undefined || s === "(anon)" ? "" : s);

/** What bpftool would print for our decoding of `t`, in the same parsed form, for a deep comparison. */
export function asRaw(t: BtfType): Omit<RawType, "attrs" | "lines"> & { attrs: Record<string, string>; lines: { name: string | undefined; attrs: Record<string, string> }[] } {
  const a: Record<string, string> = {};
  const lines: { name: string | undefined; attrs: Record<string, string> }[] = [];
  const s = String;
  switch (t.kind) {
    case "int": {
      const e = t.encoding;
      a.size = s(t.size);
      a.bits_offset = s(t.bitOffset);
      a.nr_bits = s(t.bits);
      a.encoding = e.signed ? "SIGNED" : e.char ? "CHAR" : e.bool ? "BOOL" : "(none)";
      break;
    }
    case "ptr":
    case "typedef":
    case "volatile":
    case "const":
    case "restrict":
    case "type_tag":
      a.type_id = s(t.type);
      break;
    case "array":
      a.type_id = s(t.elemType);
      a.index_type_id = s(t.indexType);
      a.nr_elems = s(t.length);
      break;
    case "struct":
    case "union":
      a.size = s(t.size);
      a.vlen = s(t.members.length);
      for (const m of t.members) {
        const ma: Record<string, string> = { type_id: s(m.type), bits_offset: s(m.bitOffset) };
        if (m.bitfieldSize !== 0) ma.bitfield_size = s(m.bitfieldSize);
        lines.push({ name: m.name, attrs: ma });
      }
      break;
    case "enum":
    case "enum64":
      a.encoding = t.signed ? "SIGNED" : "UNSIGNED";
      a.size = s(t.size);
      a.vlen = s(t.values.length);
      for (const v of t.values) {
        const text = t.kind === "enum64" ? `${v.value}${t.signed ? "LL" : "ULL"}` : s(v.value);
        lines.push({ name: v.name, attrs: { val: text } });
      }
      break;
    case "fwd":
      a.fwd_kind = t.union ? "union" : "struct";
      break;
    case "func":
      a.type_id = s(t.type);
      a.linkage = ["static", "global", "extern"][t.linkage] ?? "(unknown)";
      break;
    case "func_proto":
      a.ret_type_id = s(t.returnType);
      a.vlen = s(t.params.length);
      for (const p of t.params) lines.push({ name: p.name, attrs: { type_id: s(p.type) } });
      break;
    case "var":
      a.type_id = s(t.type);
      a.linkage = ["static", "global", "extern"][t.linkage] ?? "(unknown)";
      break;
    case "datasec":
      a.size = s(t.size);
      a.vlen = s(t.vars.length);
      for (const v of t.vars) lines.push({ name: undefined, attrs: { type_id: s(v.type), offset: s(v.offset), size: s(v.size) } });
      break;
    case "float":
      a.size = s(t.size);
      break;
    case "decl_tag":
      a.type_id = s(t.type);
      a.component_idx = s(t.componentIdx);
      break;
  }
  return { id: t.id, kind: t.kind.toUpperCase(), name: t.name, attrs: a, lines };
}

/**
 * Asserts that bpftool's dump and our decoding agree on every type: same ids, kinds, names, and every
 * number bpftool prints. Only what bpftool prints is compared, so an older bpftool that prints less
 * (no enum `encoding=`, say) still passes; a field bpftool prints that we do not model fails.
 * Returns how many types were compared.
 */
export function compareWithBpftool(btf: Btf, raw: RawType[]): number {
  const ours = [...btf.types()];
  assert.equal(ours.length, raw.length, "type count differs from bpftool");
  assert.equal(btf.typeCount - btf.startId, raw.length);
  const pick = (from: Record<string, string>, keys: Map<string, string>) =>
    Object.fromEntries([...keys.keys()].map((k) => [k, from[k] ?? "(not decoded)"]));
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i]!;
    const want = {
      id: r.id,
      kind: r.kind,
      name: r.name,
      attrs: Object.fromEntries(r.attrs),
      lines: r.lines.map((l) => ({ name: l.name === undefined ? undefined : anon(l.name), attrs: Object.fromEntries(l.attrs) })),
    };
    const full = asRaw(ours[i]!);
    const got = {
      ...full,
      attrs: pick(full.attrs, r.attrs),
      lines: full.lines.map((l, j) => ({ name: l.name, attrs: pick(l.attrs, r.lines[j]?.attrs ?? new Map()) })),
    };
    // Comparing JSON first is much faster than deepEqual over 100,000 types; deepEqual explains a mismatch.
    if (JSON.stringify(got) !== JSON.stringify(want)) assert.deepEqual(got, want, `type ${r.id} differs from bpftool`);
  }
  return raw.length;
}
