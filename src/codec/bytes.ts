// Byte-level helpers of the codecs: host byte order, NUL-terminated UTF-8 names and hex tags, without any Node or DOM API.

/** True when this machine stores integers least significant byte first (x86, arm64, riscv...). */
export const HOST_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The two lowercase hex digits of each byte value. */
const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Bytes `[offset, offset + size)` of `bytes` as lowercase hex, two digits a byte. */
export function hexOf(bytes: Uint8Array, offset: number, size: number): string {
  let out = "";
  for (let i = offset; i < offset + size; i++) out += HEX[bytes[i]!]!;
  return out;
}

// The character codes of each byte's high and low hex digit.
const HEX_HIGH = new Uint8Array(256);
const HEX_LOW = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  HEX_HIGH[i] = HEX[i]!.charCodeAt(0);
  HEX_LOW[i] = HEX[i]!.charCodeAt(1);
}

/** An 8-byte tag at `offset` as 16 lowercase hex digits (the form bpftool prints); one flat string. */
export function tagOf(bytes: Uint8Array, offset: number): string {
  const a = bytes[offset]!;
  const b = bytes[offset + 1]!;
  const c = bytes[offset + 2]!;
  const d = bytes[offset + 3]!;
  const e = bytes[offset + 4]!;
  const f = bytes[offset + 5]!;
  const g = bytes[offset + 6]!;
  const h = bytes[offset + 7]!;
  return String.fromCharCode(
    HEX_HIGH[a]!, HEX_LOW[a]!, HEX_HIGH[b]!, HEX_LOW[b]!, HEX_HIGH[c]!, HEX_LOW[c]!, HEX_HIGH[d]!, HEX_LOW[d]!,
    HEX_HIGH[e]!, HEX_LOW[e]!, HEX_HIGH[f]!, HEX_LOW[f]!, HEX_HIGH[g]!, HEX_LOW[g]!, HEX_HIGH[h]!, HEX_LOW[h]!,
  );
}

/** Reads hex digits (any case, even count) into bytes; `undefined` when the text is not exactly that. */
export function bytesOfHex(text: string, size: number): Uint8Array | undefined {
  if (text.length !== size * 2 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/**
 * The string in a `char[size]` field at `offset`: its bytes up to the first NUL (or the whole field
 * when it has none), read as UTF-8. Malformed UTF-8 reads as U+FFFD per maximal bad sequence, exactly
 * as the WHATWG `TextDecoder` does, so kernel names decode the same everywhere.
 */
export function cStringOf(bytes: Uint8Array, offset: number, size: number): string {
  const end = offset + size;
  let i = offset;
  // Names are short and almost always ASCII: find where that run stops.
  while (i < end) {
    const byte = bytes[i]!;
    if (byte === 0 || byte >= 0x80) break;
    i++;
  }
  const ascii = asciiOf(bytes, offset, i - offset);
  if (i === end || bytes[i] === 0) return ascii;
  let stop = i;
  while (stop < end && bytes[stop] !== 0) stop++;
  return ascii + utf8Decode(bytes, i, stop);
}

/** `n` ASCII bytes at `o` as a string: one `fromCharCode` call with the codes as arguments, for the usual name lengths. */
function asciiOf(b: Uint8Array, o: number, n: number): string {
  const f = String.fromCharCode;
  // prettier-ignore
  switch (n) {
    case 0: return "";
    case 1: return f(b[o]!);
    case 2: return f(b[o]!, b[o + 1]!);
    case 3: return f(b[o]!, b[o + 1]!, b[o + 2]!);
    case 4: return f(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);
    case 5: return f(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!, b[o + 4]!);
    case 6: return f(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!, b[o + 4]!, b[o + 5]!);
    case 7: return f(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!, b[o + 4]!, b[o + 5]!, b[o + 6]!);
    case 8: return f(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!, b[o + 4]!, b[o + 5]!, b[o + 6]!, b[o + 7]!);
    default: {
      let out = f(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!, b[o + 4]!, b[o + 5]!, b[o + 6]!, b[o + 7]!);
      for (let i = o + 8; i < o + n; i++) out += f(b[i]!);
      return out;
    }
  }
}

/** Decodes `bytes[start, end)` as UTF-8 with the WHATWG decoder's replacement rules. */
export function utf8Decode(bytes: Uint8Array, start: number, end: number): string {
  let out = "";
  let codePoint = 0;
  let needed = 0;
  let seen = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (needed === 0) {
      if (b <= 0x7f) out += String.fromCharCode(b);
      else if (b >= 0xc2 && b <= 0xdf) {
        needed = 1;
        codePoint = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
        needed = 2;
        codePoint = b & 0x0f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        needed = 3;
        codePoint = b & 0x07;
      } else out += "\ufffd";
      continue;
    }
    if (b < lower || b > upper) {
      // The sequence broke off: one replacement character, then this byte starts afresh.
      codePoint = needed = seen = 0;
      lower = 0x80;
      upper = 0xbf;
      out += "\ufffd";
      i--;
      continue;
    }
    lower = 0x80;
    upper = 0xbf;
    codePoint = (codePoint << 6) | (b & 0x3f);
    if (++seen === needed) {
      out += String.fromCodePoint(codePoint);
      codePoint = needed = seen = 0;
    }
  }
  if (needed !== 0) out += "\ufffd";
  return out;
}

/**
 * A string as UTF-8 bytes, as the WHATWG `TextEncoder` writes it: a lone surrogate becomes
 * U+FFFD (EF BF BD).
 */
export function utf8Encode(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out.push(c);
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
      } else c = 0xfffd;
    }
    if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}
