/**
 * The fields of a USTAR header block and how Go's archive/tar writes them: octal numbers,
 * truncated and NUL-terminated strings, and the checksum. tar.ts builds headers from these.
 */

/** Size of a tar block. */
export const TAR_BLOCK_SIZE = 512;

const utf8 = new TextEncoder();

// Field offsets and sizes of the USTAR header block.
export const F = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  chksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  version: [263, 2],
  uname: [265, 32],
  gname: [297, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  prefix: [345, 155],
} as const;
export type Field = keyof typeof F;

export function fillCommon(
  block: Uint8Array,
  typeflag: string,
  mode: number,
  uid: number,
  gid: number,
  size: number,
  mtime: number,
  uname: string,
  gname: string,
): void {
  block[F.typeflag[0]] = typeflag.charCodeAt(0);
  putString(block, "linkname", "");
  putOctal(block, "mode", mode);
  putOctal(block, "uid", uid);
  putOctal(block, "gid", gid);
  putOctal(block, "size", size);
  putOctal(block, "mtime", mtime);
  putString(block, "uname", uname);
  putString(block, "gname", gname);
  putOctal(block, "devmajor", 0);
  putOctal(block, "devminor", 0);
}

/** Writes the USTAR magic and version, then the checksum as Go does (6 octal digits, NUL, space). */
export function finishBlock(block: Uint8Array): void {
  block.set(utf8.encode("ustar\0"), F.magic[0]);
  block.set(utf8.encode("00"), F.version[0]);
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK_SIZE; i++) {
    sum += i >= F.chksum[0] && i < F.chksum[0] + F.chksum[1] ? 0x20 : block[i]!;
  }
  const field = block.subarray(F.chksum[0], F.chksum[0] + 7);
  formatString(field, octalDigits(sum, 7));
  block[F.chksum[0] + 7] = 0x20;
}

export function putString(block: Uint8Array, field: Field, s: string): void {
  const [off, len] = F[field];
  formatString(block.subarray(off, off + len), s);
}

/** Go's formatOctal: zero-padded octal leaving room for a NUL; zero if it does not fit. */
export function putOctal(block: Uint8Array, field: Field, n: number): void {
  const len = F[field][1];
  putString(block, field, octalDigits(fitsInOctal(len, n) ? n : 0, len));
}

function octalDigits(n: number, fieldSize: number): string {
  return n.toString(8).padStart(fieldSize - 1, "0");
}

export function fitsInOctal(fieldSize: number, n: number): boolean {
  return n >= 0 && (fieldSize >= 22 || n < 2 ** ((fieldSize - 1) * 3));
}

/**
 * Go's formatString: copies (truncating), NUL-terminates when there is room, and when a
 * truncated value ends in `/` turns the trailing slashes into NUL.
 */
function formatString(b: Uint8Array, s: string): void {
  const bytes = utf8.encode(s);
  b.set(bytes.subarray(0, b.length));
  if (bytes.length < b.length) b[bytes.length] = 0;
  if (bytes.length > b.length && b[b.length - 1] === 0x2f) {
    let n = b.length - 1;
    while (n > 0 && bytes[n - 1] === 0x2f) n--;
    b[n] = 0;
  }
}

export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || c === 0) return false;
  }
  return true;
}

export function toAscii(s: string): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80 && c !== 0) out += ch;
  }
  return out;
}

export function utf8Length(s: string): number {
  return isAscii(s) ? s.length : utf8.encode(s).length;
}

export function truncateBytes(ascii: string, max: number): string {
  return ascii.length > max ? ascii.slice(0, max) : ascii;
}
