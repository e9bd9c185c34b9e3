// NUL-terminated string helpers for the BTF string section, written by hand because the pure core has no TextDecoder.

// Arrays of char codes by length, reused so decoding a name allocates nothing but the string.
const codeArrays: number[][] = [];

/**
 * Decodes the NUL-terminated string starting at `start` (stopping at the end of `bytes` if there is
 * no NUL). ASCII, which is nearly every BTF name, takes a fast path; anything else is read as UTF-8,
 * with U+FFFD for each malformed sequence.
 */
export function decodeCString(bytes: Uint8Array, start: number): string {
  const n = bytes.length;
  let end = start;
  let ascii = true;
  for (; end < n; end++) {
    const c = bytes[end]!;
    if (c === 0) break;
    if (c >= 0x80) ascii = false;
  }
  const len = end - start;
  if (len === 0) return "";
  if (!ascii) return decodeUtf8(bytes, start, end);
  if (len <= 12) {
    // Short strings: V8 builds these flat, and one call per char beats building an argument list.
    let s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  if (len > 4096) return decodeLong(bytes, start, end);
  let codes = codeArrays[len];
  if (codes === undefined) {
    codes = [];
    for (let i = 0; i < len; i++) codes.push(0);
    codeArrays[len] = codes;
  }
  for (let i = 0; i < len; i++) codes[i] = bytes[start + i]!;
  return String.fromCharCode.apply(null, codes);
}

// Very long strings: in chunks, so no argument list exceeds the engine's limit.
function decodeLong(bytes: Uint8Array, start: number, end: number): string {
  const parts: string[] = [];
  for (let i = start; i < end; i += 4096) {
    parts.push(String.fromCharCode.apply(null, Array.from(bytes.subarray(i, Math.min(end, i + 4096)))));
  }
  return parts.join("");
}

/** Decodes `bytes[start, end)` as UTF-8, replacing each malformed sequence with U+FFFD. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  const out: number[] = [];
  let i = start;
  while (i < end) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      out.push(b0);
      i++;
      continue;
    }
    let need: number;
    let cp: number;
    let min: number;
    if (b0 >= 0xc2 && b0 <= 0xdf) {
      need = 1;
      cp = b0 & 0x1f;
      min = 0x80;
    } else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      cp = b0 & 0x0f;
      min = 0x800;
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      cp = b0 & 0x07;
      min = 0x10000;
    } else {
      out.push(0xfffd);
      i++;
      continue;
    }
    let j = 1;
    for (; j <= need; j++) {
      const b = i + j < end ? bytes[i + j]! : 0;
      if ((b & 0xc0) !== 0x80) break;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (j <= need || cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      // Skip the lead byte and whatever continuation bytes were valid, as one replacement.
      out.push(0xfffd);
      i += j;
      continue;
    }
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      out.push(cp);
    }
    i += need + 1;
  }
  let s = "";
  for (let k = 0; k < out.length; k += 4096) s += String.fromCharCode.apply(null, out.slice(k, k + 4096));
  return s;
}

/** Encodes a string as UTF-8 (lone surrogates become U+FFFD), for comparing with raw string-section bytes. */
export function encodeUtf8(s: string): Uint8Array {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let cp = s.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.length) {
      const lo = s.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) out.push(cp);
    else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return Uint8Array.from(out);
}

/** FNV-1a hash (from basis `seed`) of the bytes from `start` up to the first NUL or the end of `bytes`. */
export function hashCString(bytes: Uint8Array, start: number, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = start; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0) break;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h >>> 0;
}

/** FNV-1a hash of all of `bytes`; equals {@link hashCString} of the same bytes followed by a NUL. */
export function hashBytes(bytes: Uint8Array, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}

/** Whether the NUL-terminated strings at `a[aStart]` and `b[bStart]` are equal (each may also end at its array's end). */
export function cStringsEqual(a: Uint8Array, aStart: number, b: Uint8Array, bStart: number): boolean {
  for (let i = 0; ; i++) {
    const x = aStart + i < a.length ? a[aStart + i]! : 0;
    const y = bStart + i < b.length ? b[bStart + i]! : 0;
    if (x !== y) return false;
    if (x === 0) return true;
  }
}

/** Whether the NUL-terminated string at `bytes[start]` is exactly `want` (which has no NUL). */
export function cStringEquals(bytes: Uint8Array, start: number, want: Uint8Array): boolean {
  const n = want.length;
  if (start + n >= bytes.length) {
    // The string would need its NUL at or past the end: only equal if it runs exactly to the end.
    if (start + n !== bytes.length) return false;
  } else if (bytes[start + n] !== 0) {
    return false;
  }
  for (let i = 0; i < n; i++) if (bytes[start + i] !== want[i]) return false;
  return true;
}
