import { deepEqual, equal, rejects, throws } from "node:assert/strict";
import {
  encodeTarHeader,
  paxHeaderName,
  paxRecord,
  splitUstarPath,
  TAR_TRAILER,
  tarChunks,
  type TarEntry,
  type TarHeader,
  tarPadding,
  tarStream,
} from "../../src/layer/tar.ts";
import { buildLayer, type LayerEntry } from "../../src/layer/compress.ts";
import { closeLayerPool } from "../../src/layer/worker_pool.ts";
import { readAllBytes } from "../helpers/bytes.ts";
import { sha256Digest } from "../../src/oci/digest.ts";
import { KoError } from "../../src/util/errors.ts";
import { type GoArchive, goTarArchives } from "./go_tar.ts";

const utf8 = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);
/** A header field as text up to its first NUL. */
const field = (block: Uint8Array, off: number, len: number) => {
  const f = block.subarray(off, off + len);
  const nul = f.indexOf(0);
  return text(nul < 0 ? f : f.subarray(0, nul));
};

Deno.test("encodeTarHeader writes a USTAR block with zero-padded NUL-terminated octal fields", () => {
  const b = encodeTarHeader({ name: "/ko-app/app", type: "file", mode: 0o555, size: 1234 });
  equal(b.length, 512);
  equal(field(b, 0, 100), "/ko-app/app");
  deepEqual([...b.subarray(100, 108)], [...utf8.encode("0000555\0")]);
  deepEqual([...b.subarray(108, 116)], [...utf8.encode("0000000\0")]);
  deepEqual([...b.subarray(124, 136)], [...utf8.encode("00000002322\0")]);
  deepEqual([...b.subarray(136, 148)], [...utf8.encode("00000000000\0")]);
  equal(String.fromCharCode(b[156]!), "0");
  deepEqual([...b.subarray(257, 265)], [...utf8.encode("ustar\x0000")]);
  deepEqual([...b.subarray(329, 345)], [...utf8.encode("0000000\x000000000\0")]);
  // Checksum: six octal digits, NUL, space; the sum counts the checksum field as spaces.
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : b[i]!;
  deepEqual([...b.subarray(148, 156)], [...utf8.encode(sum.toString(8).padStart(6, "0") + "\0 ")]);
});

Deno.test("encodeTarHeader keeps names exactly as given: no slash added to directories", () => {
  const dir = encodeTarHeader({ name: "/var/run/ko", type: "dir", mode: 0o555 });
  equal(field(dir, 0, 100), "/var/run/ko");
  equal(String.fromCharCode(dir[156]!), "5");
  equal(field(dir, 124, 12), "00000000000");
  equal(field(encodeTarHeader({ name: "ko-app", type: "dir", mode: 0o555 }), 0, 100), "ko-app");
  equal(field(encodeTarHeader({ name: "a/", type: "dir", mode: 0o755 }), 0, 100), "a/");
});

Deno.test("encodeTarHeader rejects a regular file whose name ends in a slash, as Go does", () => {
  throws(() => encodeTarHeader({ name: "a/", type: "file", mode: 0o644 }), KoError);
});

Deno.test("a name of exactly 100 bytes fills the name field without a NUL and stays USTAR", () => {
  const name = "d/" + "n".repeat(98);
  const b = encodeTarHeader({ name, type: "file", mode: 0o644 });
  equal(b.length, 512);
  equal(text(b.subarray(0, 100)), name);
  equal(b[100], "0".charCodeAt(0));
});

Deno.test("splitUstarPath splits like Go: prefix at most 155 bytes, name at most 100", () => {
  const p155 = "p".repeat(155);
  deepEqual(splitUstarPath(`${p155}/file`), [p155, "file"]);
  equal(splitUstarPath(`${"p".repeat(156)}/file`), undefined);
  equal(splitUstarPath("x".repeat(100)), undefined); // short enough: no split needed
  equal(splitUstarPath("x".repeat(101)), undefined); // no slash
  equal(splitUstarPath(`/${"x".repeat(101)}`), undefined); // split at 0 leaves an empty prefix
  equal(splitUstarPath(`a/${"x".repeat(101)}`), undefined); // name part over 100
  deepEqual(splitUstarPath(`${"a".repeat(100)}/b/`), [`${"a".repeat(100)}`, "b/"]);
  equal(splitUstarPath(`${"a".repeat(101)}/`), undefined); // trailing slash is not a split point
  equal(splitUstarPath(`é/${"x".repeat(101)}`), undefined); // non-ASCII never splits
});

Deno.test("a splittable long name stays USTAR with the prefix field filled", () => {
  const dir = "d".repeat(120);
  const b = encodeTarHeader({ name: `${dir}/file`, type: "file", mode: 0o644 });
  equal(b.length, 512);
  equal(field(b, 0, 100), "file");
  equal(field(b, 345, 155), dir);
});

Deno.test("an unsplittable long name gets a PAX path record in <dir>/PaxHeaders.0/<file>", () => {
  const name = `/var/run/ko/${"f".repeat(120)}`;
  const b = encodeTarHeader({ name, type: "file", mode: 0o555 });
  equal(b.length, 512 * 3);
  equal(field(b, 0, 100), `/var/run/ko/PaxHeaders.0/${"f".repeat(75)}`);
  equal(String.fromCharCode(b[156]!), "x");
  deepEqual([...b.subarray(100, 108)], [...utf8.encode("0000000\0")]);
  equal(field(b, 265, 32), ""); // uname of the extended header stays NUL
  equal(field(b, 329, 8), ""); // as do the device numbers
  const record = `${name.length + 10} path=${name}\n`;
  equal(field(b, 512, 512), record);
  equal(parseInt(field(b, 124, 12), 8), record.length);
  const main = b.subarray(1024);
  equal(text(main.subarray(0, 100)), name.slice(0, 100)); // truncated, no prefix
  equal(main[345], 0);
});

Deno.test('paxHeaderName follows path.Join(dir, "PaxHeaders.0", file)', () => {
  equal(paxHeaderName("/ko-app/app"), "/ko-app/PaxHeaders.0/app");
  equal(paxHeaderName("app"), "PaxHeaders.0/app");
  equal(paxHeaderName("a/b/"), "a/b/PaxHeaders.0");
  equal(paxHeaderName("/x"), "/PaxHeaders.0/x");
  equal(paxHeaderName("a//b/../c"), "a/PaxHeaders.0/c");
});

Deno.test("paxRecord counts its own length, digits included", () => {
  equal(text(paxRecord("path", "abc")), "12 path=abc\n");
  // 1 + 94 + 3 = 98, +2 digits = 100, which has 3 digits: the record is 101 bytes.
  const r = text(paxRecord("k", "v".repeat(94)));
  equal(r.length, 101);
  equal(r.slice(0, 4), "101 ");
  equal(text(paxRecord("k", "v".repeat(93))).slice(0, 3), "99 ");
  const bin = paxRecord("SCHILY.xattr.security.capability", new Uint8Array([1, 0, 0, 2, 0xff]));
  equal(bin.length, 2 + 1 + 32 + 1 + 5 + 1);
  deepEqual([...bin.subarray(36, 41)], [1, 0, 0, 2, 0xff]);
});

Deno.test("numbers too big for octal move to PAX records and the field is written as zero", () => {
  const b = encodeTarHeader({ name: "big", type: "file", mode: 0o644, uid: 0o10000000 });
  equal(b.length, 1536);
  equal(field(b, 512, 512), "15 uid=2097152\n");
  equal(field(b.subarray(1024), 108, 8), "0000000");
  const fits = encodeTarHeader({ name: "ok", type: "file", mode: 0o644, uid: 0o7777777 });
  equal(fits.length, 512);
  equal(field(fits, 108, 8), "7777777");
  const huge = encodeTarHeader({ name: "f", type: "file", mode: 0o644, size: 2 ** 33 });
  equal(field(huge, 512, 512), `19 size=${2 ** 33}\n`);
  throws(() => encodeTarHeader({ name: "m", type: "file", mode: 0o10000000 }), KoError);
});

Deno.test("PAX records are sorted by key and basic keys are only kept when they match", () => {
  const b = encodeTarHeader({
    name: "f",
    type: "file",
    mode: 0o644,
    mtime: 5,
    paxRecords: { zz: "1", aa: "2", mtime: "7", path: "f" },
  });
  equal(field(b, 512, 512), "7 aa=2\n9 path=f\n7 zz=1\n");
  throws(() => encodeTarHeader({ name: "f", type: "file", mode: 0, paxRecords: { "a=b": "" } }));
});

Deno.test("tarChunks streams bodies, pads them and ends with two zero blocks only", async () => {
  const entries: TarEntry[] = [
    { header: { name: "d", type: "dir", mode: 0o755 } },
    {
      header: { name: "d/f", type: "file", mode: 0o644, size: 5 },
      body: ReadableStream.from([utf8.encode("he"), utf8.encode("llo")]),
    },
  ];
  const tar = await readAllBytes(tarChunks(entries));
  equal(tar.length, 512 + 512 + 512 + 1024);
  equal(text(tar.subarray(1024, 1029)), "hello");
  deepEqual(tar.subarray(tar.length - 1024), TAR_TRAILER);
  equal(tarPadding(5), 507);
  equal(tarPadding(512), 0);
  equal(tarPadding(0), 0);
  const viaStream = await readAllBytes(tarStream(entries.slice(0, 1)));
  equal(viaStream.length, 512 + 1024);
});

Deno.test("tarChunks rejects a body whose length differs from the header size", async () => {
  const short = [{
    header: { name: "f", type: "file", mode: 0, size: 4 } as TarHeader,
    body: utf8.encode("abc"),
  }];
  await rejects(readAllBytes(tarChunks(short)), /body has 3 bytes but the header says 4/);
  const long = [{
    header: { name: "f", type: "file", mode: 0, size: 2 } as TarHeader,
    body: utf8.encode("abc"),
  }];
  await rejects(readAllBytes(tarChunks(long)), /more than 2 bytes/);
});

// ---------------------------------------------------------------------------------------------
// Cross-check against Go's archive/tar.

const CAPS = new Uint8Array([
  0x01,
  0x00,
  0x00,
  0x02,
  0x00,
  0x04,
  0x00,
  0x00,
  0xff,
  0x00,
  0x00,
  0x00,
  0,
  0,
  0,
  0,
  0x80,
  0,
  0,
  0,
]);
const RAWSD = "AQAAgBQAAAAkAAAAAAAAAAAAAAABAgAAAAAABSAAAAAhAgAAAQIAAAAAAAUgAAAAIQIAAA==";

function file(name: string, content: Uint8Array | string, extra: Partial<TarHeader> = {}) {
  const bytes = typeof content === "string" ? utf8.encode(content) : content;
  return {
    header: { name, type: "file" as const, mode: 0o555, size: bytes.length, ...extra },
    content: bytes,
  };
}
function dir(name: string, extra: Partial<TarHeader> = {}) {
  return { header: { name, type: "dir" as const, mode: 0o555, ...extra } };
}

const GO_CASES: GoArchive[] = [
  {
    name: "kodata",
    entries: [
      dir("/var"),
      dir("/var/run"),
      dir("/var/run/ko"),
      dir("/var/run/ko/static"),
      dir("/var/run/ko/static/css"),
      file("/var/run/ko/static/css/site.css", "body { color: red }\n"),
      file("/var/run/ko/empty", ""),
      file("/var/run/ko/block", new Uint8Array(512).fill(7)),
      file("/var/run/ko/block+1", new Uint8Array(513).fill(9)),
    ],
  },
  {
    name: "kodata-epoch",
    entries: [
      dir("/var", { mtime: 1700000000 }),
      file("/var/run/ko/a.txt", "a", { mtime: 1700000000 }),
      file("/var/run/ko/far", "z", { mtime: 2 ** 33 - 1 }),
      file("/var/run/ko/farther", "z", { mtime: 2 ** 33 }),
      file("/var/run/ko/past", "p", { mtime: -1 }),
    ],
  },
  {
    name: "binary",
    entries: [dir("ko-app"), file("/ko-app/app", new Uint8Array(3000).map((_, i) => i * 7))],
  },
  {
    name: "names",
    entries: [
      file("/" + "a".repeat(99), "100"),
      file("/" + "b".repeat(100), "101"),
      file(`/var/run/ko/${"c".repeat(60)}/${"d".repeat(60)}/${"e".repeat(60)}`, "200 split"),
      file(`/var/run/ko/${"f".repeat(188)}`, "200 unsplittable"),
      file(`${"p".repeat(155)}/${"q".repeat(100)}`, "prefix 155"),
      file(`${"p".repeat(156)}/q`, "prefix 156"),
      dir(`/var/run/ko/${"g".repeat(100)}/`),
      dir(`${"h".repeat(99)}/${"i".repeat(99)}/`),
      file(`/var/run/ko/${"j".repeat(87)}/${"k".repeat(120)}`, "slash at 99"),
      file("/var/run/ko/héllo-世界.txt", "unicode"),
      file(`/var/run/ko/${"ü".repeat(70)}`, "long unicode"),
      file("/var/run/ko/😀/x", "astral"),
    ],
  },
  {
    name: "capabilities",
    entries: [
      dir("ko-app"),
      file("/ko-app/app", "bin", { paxRecords: { "SCHILY.xattr.security.capability": CAPS } }),
    ],
  },
  {
    name: "windows",
    entries: [
      dir("Hives"),
      dir("Files"),
      dir("Files/ko-app"),
      file("Files/ko-app/app.exe", "MZ", { paxRecords: { "MSWINDOWS.rawsd": RAWSD } }),
    ],
  },
  {
    name: "owners-and-records",
    entries: [
      file("o1", "x", { uid: 1000, gid: 1001, uname: "user", gname: "group", mode: 0o644 }),
      file("o2", "x", { uid: 2097152, gid: 3, mode: 0o600 }),
      file("o3", "x", { uname: "u".repeat(40) }),
      file("o4", "x", { uname: "ünï" }),
      file("o5", "x", { paxRecords: { zz: "1", aa: "2", mtime: "7", path: "o5", uid: "0" } }),
      file("o6", "x", { paxRecords: { k: "v".repeat(94), k2: "v".repeat(93) } }),
      file("o7", "x", { paxRecords: { mtime: "9" } }),
      file(`/${"r".repeat(120)}`, "x", { paxRecords: { "user.note": "é" } }),
      dir("o8/", { paxRecords: { "SCHILY.xattr.user.a": "b" } }),
    ],
  },
  { name: "huge-size", headerOnly: true, entries: [file("huge", "", { size: 2 ** 33 })] },
  { name: "max-octal-size", headerOnly: true, entries: [file("max", "", { size: 2 ** 33 - 1 })] },
];

Deno.test("our tar bytes equal Go archive/tar's for ko's layers and the edge cases", async () => {
  const want = await goTarArchives(GO_CASES);
  for (const c of GO_CASES) {
    let got: Uint8Array;
    if (c.headerOnly) {
      got = encodeTarHeader(c.entries[0]!.header);
    } else {
      got = await readAllBytes(
        tarChunks(c.entries.map((e) => ({ header: e.header, body: e.content }))),
      );
    }
    const expected = want.get(c.name)!;
    if (got.length !== expected.length || got.some((b, i) => b !== expected[i])) {
      const at = got.findIndex((b, i) => b !== expected[i]);
      throw new Error(
        `archive "${c.name}" differs from Go's at byte ${at} (block ${Math.floor(at / 512)}, ` +
          `offset ${at % 512}); lengths ${got.length} vs ${expected.length}`,
      );
    }
  }

  // The same archives built as layers, file contents read from disk: the diff_id is the
  // sha256 of Go's bytes.
  const dir = await Deno.makeTempDir({ prefix: "ko-tar-layer-" });
  try {
    for (const c of GO_CASES.filter((c) => !c.headerOnly)) {
      const entries: LayerEntry[] = [];
      for (const [i, e] of c.entries.entries()) {
        const { name, mode, mtime, uid, gid, uname, gname, paxRecords } = e.header;
        const meta = { name, mode, mtime, uid, gid, uname, gname, paxRecords };
        if (e.header.type === "dir") {
          entries.push({ type: "dir", ...meta });
        } else {
          await Deno.writeFile(`${dir}/${c.name}-${i}`, e.content ?? new Uint8Array());
          entries.push({ type: "file", ...meta, path: `${dir}/${c.name}-${i}` });
        }
      }
      const built = await buildLayer(entries);
      equal(built.diffId, sha256Digest(want.get(c.name)!), `diff_id of "${c.name}"`);
    }
  } finally {
    closeLayerPool();
    await Deno.remove(dir, { recursive: true });
  }
});
