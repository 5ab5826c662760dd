/**
 * KOCACHE pieces against real Go binaries and the real filesystem: the native build-ID reader
 * (checked against `go tool buildid`), opening KOCACHE, and the binary-layer cache (hit, miss,
 * laziness, corruption, pruning, concurrent writers).
 */
import { deepEqual, equal, match, notEqual, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { readGoBuildId } from "../../src/go/build_id.ts";
import { KoCache } from "../../src/build/kocache.ts";
import { binaryIdentity, LayerCacheDir, layerCacheKey } from "../../src/build/layer_cache.ts";
import { binaryEntries } from "../../src/build/app_image.ts";
import type { Layer } from "../../src/layer/layer.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { Sha256 } from "../../src/oci/digest.ts";
import { KoError } from "../../src/util/errors.ts";
import { OwnedTemp } from "../../src/util/owned_temp.ts";
import { setLogSink, setVerbose } from "../../src/util/log.ts";
import { goBuildFixture, runOk, tempDir } from "../helpers/tools.ts";

const HELLO = (word: string) =>
  `package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("${word}") }\n`;

async function goToolBuildId(path: string): Promise<string> {
  return (await runOk("go", ["tool", "buildid", path])).stdout.trim();
}

/** An ELF32 big-endian file with a GNU note, then a Go note, in one PT_NOTE segment. */
function elf32WithGoNote(id: string): Uint8Array {
  const enc = new TextEncoder();
  const pad = (n: number) => (n + 3) & ~3;
  const note = (name: string, type: number, desc: Uint8Array) => {
    const nm = enc.encode(name);
    const out = new Uint8Array(12 + pad(nm.length) + pad(desc.length));
    const v = new DataView(out.buffer);
    v.setUint32(0, nm.length);
    v.setUint32(4, desc.length);
    v.setUint32(8, type);
    out.set(nm, 12);
    out.set(desc, 12 + pad(nm.length));
    return out;
  };
  const notes = [
    note("GNU\0", 3, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])),
    note("Go\0\0", 4, enc.encode(id)),
  ];
  const notesLen = notes.reduce((n, x) => n + x.length, 0);
  const out = new Uint8Array(52 + 32 + notesLen);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 2, 1], 0); // ELF, 32-bit, big endian, version 1
  v.setUint16(16, 2); // ET_EXEC
  v.setUint16(18, 8); // EM_MIPS
  v.setUint32(20, 1);
  v.setUint32(28, 52); // e_phoff
  v.setUint16(40, 52); // e_ehsize
  v.setUint16(42, 32); // e_phentsize
  v.setUint16(44, 1); // e_phnum
  v.setUint16(46, 40); // e_shentsize
  v.setUint32(52, 4); // PT_NOTE
  v.setUint32(56, 84); // p_offset
  v.setUint32(68, notesLen); // p_filesz
  v.setUint32(72, notesLen); // p_memsz
  v.setUint32(76, 4); // p_flags
  v.setUint32(80, 4); // p_align
  let off = 84;
  for (const n of notes) {
    out.set(n, off);
    off += n.length;
  }
  return out;
}

Deno.test("readGoBuildId reads what `go tool buildid` prints", async (t) => {
  await using tmp = await tempDir();
  await t.step("a real linux/amd64 Go binary (ELF note)", async () => {
    const bin = await goBuildFixture(tmp.path, HELLO("id"), { name: "idapp" });
    const id = await readGoBuildId(bin);
    match(id ?? "", /^[\w-]+\/[\w-]+\/[\w-]+\/[\w-]+$/);
    equal(id, await goToolBuildId(bin));
  });
  await t.step("a 32-bit big-endian ELF with a GNU note before the Go note", async () => {
    const path = join(tmp.path, "elf32");
    await Deno.writeFile(path, elf32WithGoNote("abc/def/ghi/jkl"));
    equal(await readGoBuildId(path), "abc/def/ghi/jkl");
    equal(await goToolBuildId(path), "abc/def/ghi/jkl");
  });
  await t.step("the raw marker other formats (PE) carry in their first 32 KiB", async () => {
    const path = join(tmp.path, "raw");
    const bytes = new Uint8Array(9000).fill(0x90);
    bytes.set([0x4d, 0x5a], 0); // "MZ"
    const marker = Uint8Array.from(
      '\xff Go build ID: "win/id/x_y-z"\n \xff',
      (c) => c.charCodeAt(0),
    );
    bytes.set(marker, 0x600);
    await Deno.writeFile(path, bytes);
    equal(await readGoBuildId(path), "win/id/x_y-z");
    equal(await goToolBuildId(path), "win/id/x_y-z");
  });
  await t.step("a file without one gives undefined (go prints nothing)", async () => {
    const path = join(tmp.path, "plain");
    await Deno.writeTextFile(path, "#!/bin/sh\necho hi\n");
    equal(await readGoBuildId(path), undefined);
    equal(await goToolBuildId(path), "");
    const empty = join(tmp.path, "empty");
    await Deno.writeFile(empty, new Uint8Array());
    equal(await readGoBuildId(empty), undefined);
  });
  await t.step("a marker without its end is malformed", async () => {
    const path = join(tmp.path, "broken");
    await Deno.writeFile(path, Uint8Array.from('xx\xff Go build ID: "abc', (c) => c.charCodeAt(0)));
    await rejects(readGoBuildId(path), /malformed build ID marker/);
  });
  await t.step("a missing file is a clear error", async () => {
    await rejects(readGoBuildId(join(tmp.path, "nope")), (e) => {
      ok(e instanceof KoError);
      match(e.message, /^reading the build ID of ".*nope": /);
      return true;
    });
  });
});

Deno.test("KoCache.open creates KOCACHE, or fails like ko when it is not a directory", async (t) => {
  await using tmp = await tempDir();
  await t.step("unset or empty: no cache", async () => {
    equal(await KoCache.open({}, tmp.path), undefined);
    equal(await KoCache.open({ KOCACHE: "" }, tmp.path), undefined);
  });
  await t.step("missing: created with its parents, relative to the working directory", async () => {
    const cache = await KoCache.open({ KOCACHE: "a/b/cache" }, tmp.path);
    equal(cache?.root, join(tmp.path, "a/b/cache"));
    ok((await Deno.stat(join(tmp.path, "a/b/cache"))).isDirectory);
  });
  await t.step("a file: ko's message", async () => {
    const file = join(tmp.path, "file");
    await Deno.writeTextFile(file, "x");
    await rejects(KoCache.open({ KOCACHE: file }, tmp.path), (e) => {
      ok(e instanceof KoError);
      equal(e.message, `KOCACHE should be a directory, ${file} is not a directory`);
      return true;
    });
  });
  await t.step("cannot be examined: could not stat KOCACHE", async () => {
    const below = join(tmp.path, "file", "sub");
    await rejects(KoCache.open({ KOCACHE: below }, tmp.path), (e) => {
      ok(e instanceof KoError);
      equal(e.message, `could not stat KOCACHE: ${below}: a path component is not a directory`);
      return true;
    });
  });
  await t.step("binary outputs go to $KOCACHE/bin/<importpath>/<platform>", async () => {
    const cache = (await KoCache.open({ KOCACHE: "c" }, tmp.path))!;
    const outputs = cache.outputs();
    equal(
      await outputs.prepare("example.com/app/cmd/x", { os: "linux", architecture: "amd64" }),
      join(tmp.path, "c/bin/example.com/app/cmd/x/linux/amd64"),
    );
    equal(
      await outputs.prepare("example.com/x", {
        os: "linux",
        architecture: "arm",
        variant: "v7",
      }),
      join(tmp.path, "c/bin/example.com/x/linux/arm/v7"),
    );
    equal(
      await outputs.prepare("example.com/x", {
        os: "windows",
        architecture: "amd64",
        "os.version": "10.0.20348.1",
      }),
      join(tmp.path, "c/bin/example.com/x/windows/amd64:10.0.20348.1"),
    );
  });
  await t.step("a bin dir that cannot be made: ko's message with the reason", async () => {
    const cache = (await KoCache.open({ KOCACHE: "d" }, tmp.path))!;
    await Deno.writeTextFile(join(tmp.path, "d/bin"), "x");
    const dir = join(tmp.path, "d/bin/example.com/x/linux/amd64");
    await rejects(
      cache.outputs().prepare("example.com/x", { os: "linux", architecture: "amd64" }),
      (e) => {
        ok(e instanceof KoError);
        equal(
          e.message,
          `creating KOCACHE bin dir ${dir}: a path component is not a directory`,
        );
        return true;
      },
    );
  });
});

/** Reads a layer's bytes and returns their digest and size. */
async function drain(layer: Layer): Promise<{ digest: string; size: number }> {
  const hash = new Sha256();
  let size = 0;
  for await (const chunk of await layer.open()) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: hash.digest(), size };
}

/** Captures debug log lines while `fn` runs. */
async function withDebugLog<T>(fn: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
  const lines: string[] = [];
  const restore = setLogSink((l) => lines.push(l));
  setVerbose(true);
  try {
    return { value: await fn(), lines };
  } finally {
    setVerbose(false);
    restore();
  }
}

Deno.test("the binary layer cache reuses, checks and repairs layers", async (t) => {
  await using tmp = await tempDir();
  const cache = (await KoCache.open({ KOCACHE: join(tmp.path, "cache") }, tmp.path))!;
  const platform = { os: "linux", architecture: "amd64" };
  const outDir = await cache.outputs().prepare("example.com/app", platform);
  await Deno.mkdir(outDir!, { recursive: true });
  const out = join(outDir!, "out");
  const binA = await goBuildFixture(tmp.path, HELLO("a"), { name: "a" });
  const binB = await goBuildFixture(tmp.path, HELLO("b"), { name: "b" });
  await Deno.copyFile(binA, out);
  const layersDir = join(outDir!, "layers");
  const make = (name = "app", mediaType: string = MediaType.OciLayerGzip, cacheable = true) =>
    cache.make({
      binaryPath: out,
      entries: binaryEntries(name, out, "linux"),
      mediaType,
      cacheable,
    });
  const entryFiles = async () => {
    const names: string[] = [];
    for await (const e of Deno.readDir(layersDir)) names.push(e.name);
    return names.sort();
  };
  const keyOf = async (name = "app", mediaType: string = MediaType.OciLayerGzip) =>
    layerCacheKey(await binaryIdentity(out), binaryEntries(name, out, "linux"), mediaType);

  let first: Layer;
  await t.step("a miss builds the layer and records it next to the binary", async () => {
    const { value, lines } = await withDebugLog(() => make());
    first = value;
    const key = await keyOf();
    deepEqual(await entryFiles(), [`${key}.blob`, `${key}.json`]);
    ok(lines.some((l) => l.includes(`kocache: layer ${key}: stored ${first.digest}`)));
    const record = JSON.parse(await Deno.readTextFile(join(layersDir, `${key}.json`)));
    match(record.check, /^sha256:[0-9a-f]{64}$/);
    deepEqual(record, {
      key,
      mediaType: MediaType.OciLayerGzip,
      digest: first.digest,
      diffId: first.diffId,
      size: first.size,
      uncompressedSize: record.uncompressedSize,
      check: record.check,
    });
    deepEqual(await drain(first), { digest: first.digest, size: first.size });
  });

  await t.step("the same layer without the cache has the same digests", async () => {
    const direct = await make("app", MediaType.OciLayerGzip, false);
    deepEqual(
      [direct.digest, direct.diffId, direct.size],
      [first.digest, first.diffId, first.size],
    );
  });

  await t.step("a hit reads neither the binary's bytes nor the blob", async () => {
    const key = await keyOf();
    const blob = join(layersDir, `${key}.blob`);
    const before = await Deno.stat(blob);
    const { value: hit, lines } = await withDebugLog(() => make());
    deepEqual([hit.digest, hit.diffId, hit.size, hit.mediaType], [
      first.digest,
      first.diffId,
      first.size,
      first.mediaType,
    ]);
    ok(lines.some((l) => l.includes(`kocache: layer ${key}: hit`)));
    const after = await Deno.stat(blob);
    equal(after.ino, before.ino); // not rewritten
    equal(after.mtime?.getTime(), before.mtime?.getTime());
    // Garbling the blob (same size) goes unnoticed until its bytes are needed…
    const garbled = await Deno.readFile(blob);
    garbled[100] = garbled[100]! ^ 0xff;
    await Deno.writeFile(blob, garbled);
    const lazy = await make();
    equal(lazy.digest, first.digest);
    // …then it is detected and rebuilt from the unchanged binary, never served.
    const { value: bytes, lines: repairLines } = await withDebugLog(() => drain(lazy));
    deepEqual(bytes, { digest: first.digest, size: first.size });
    ok(repairLines.some((l) => l.includes("hashes to") && l.includes(`expected ${first.digest}`)));
    ok(repairLines.some((l) => l.includes(`repaired ${first.digest}`)));
    deepEqual(await drain(await make()), { digest: first.digest, size: first.size });
  });

  await t.step("a truncated blob is ignored, logged and replaced", async () => {
    const key = await keyOf();
    const blob = join(layersDir, `${key}.blob`);
    await Deno.truncate(blob, 10);
    const { value, lines } = await withDebugLog(() => make());
    ok(lines.some((l) => l.includes(`blob is 10 bytes, expected ${first.size}; rebuilding`)));
    equal(value.digest, first.digest);
    equal((await Deno.stat(blob)).size, first.size);
    deepEqual(await drain(value), { digest: first.digest, size: first.size });
  });

  await t.step(
    "a garbled, incomplete, changed or moved record is ignored and replaced",
    async () => {
      const key = await keyOf();
      const record = join(layersDir, `${key}.json`);
      const good = await Deno.readTextFile(record);
      const changed = (edit: (r: Record<string, unknown>) => void) => {
        const r = JSON.parse(good);
        edit(r);
        return JSON.stringify(r);
      };
      const damaged = [
        "{not json",
        good.slice(0, good.length / 2),
        '{"digest":"sha256:xyz"}',
        changed((r) => (r.diffId = String(r.diffId).replace(/.$/, (c) => c === "0" ? "1" : "0"))),
        changed((r) => (r.size = Number(r.size) - 1)),
        changed((r) => (r.uncompressedSize = Number(r.uncompressedSize) + 512)),
        changed((r) => (r.mediaType = MediaType.DockerLayerGzip)),
        changed((r) => delete r.check),
        // A sound record of another entry, copied under this key.
        good.replace(`"key": "${key}"`, `"key": "${"0".repeat(64)}"`),
      ];
      for (const bad of damaged) {
        await Deno.writeTextFile(record, bad);
        const { value, lines } = await withDebugLog(() => make());
        ok(lines.some((l) => l.includes(`kocache: layer ${key}: damaged record`)), bad);
        deepEqual([value.digest, value.diffId, value.size, value.mediaType], [
          first.digest,
          first.diffId,
          first.size,
          first.mediaType,
        ]);
        deepEqual(JSON.parse(await Deno.readTextFile(record)), JSON.parse(good));
      }
      await Deno.remove(join(layersDir, `${key}.blob`));
      equal((await make()).digest, first.digest);
    },
  );

  await t.step("a different name, media type or binary is a different entry", async () => {
    const other = await make("other");
    notEqual(other.digest, first.digest);
    const docker = await make("app", MediaType.DockerLayerGzip);
    equal(docker.mediaType, MediaType.DockerLayerGzip);
    notEqual(await keyOf("app", MediaType.DockerLayerGzip), await keyOf());
    await Deno.copyFile(binB, out);
    const b = await make();
    notEqual(b.digest, first.digest);
    equal((await entryFiles()).filter((n) => n.endsWith(".json")).length, 4);
  });

  await t.step("a corrupt blob whose binary has changed is refused, not served", async () => {
    await Deno.copyFile(binA, out);
    const lazy = await make(); // a hit on the binary-A entry
    const blob = join(layersDir, `${await keyOf()}.blob`);
    const garbled = await Deno.readFile(blob);
    garbled[200] = garbled[200]! ^ 0xff;
    await Deno.writeFile(blob, garbled);
    await Deno.copyFile(binB, out);
    await rejects(drain(lazy), (e) => {
      ok(e instanceof KoError);
      match(
        e.message,
        /^KOCACHE layer sha256:\w+ in .* is corrupt and its binary has changed since/,
      );
      return true;
    });
    await Deno.copyFile(binA, out);
    const rebuilt = await make(); // the bad entry was dropped: a miss that rebuilds it
    deepEqual(await drain(rebuilt), { digest: first.digest, size: first.size });
  });

  await t.step("options that forbid caching bypass it", async () => {
    const before = await entryFiles();
    const direct = await make("nocache", MediaType.OciLayerGzip, false);
    ok(direct.size > 0);
    deepEqual(await entryFiles(), before);
  });

  await t.step("a cache that cannot be written warns and builds without it", async () => {
    const blocked = join(tmp.path, "blocked", "bin", "example.com", "x", "linux", "amd64");
    await Deno.mkdir(blocked, { recursive: true });
    await Deno.writeTextFile(join(blocked, "layers"), "not a directory");
    const blockedCache = (await KoCache.open({ KOCACHE: join(tmp.path, "blocked") }, tmp.path))!;
    const bin = join(blocked, "out");
    await Deno.copyFile(binA, bin);
    const lines: string[] = [];
    const restore = setLogSink((l) => lines.push(l));
    let layer: Layer;
    try {
      layer = await blockedCache.make({
        binaryPath: bin,
        entries: binaryEntries("app", bin, "linux"),
        mediaType: MediaType.OciLayerGzip,
        cacheable: true,
      });
    } finally {
      restore();
    }
    equal(layer.digest, first.digest);
    deepEqual(await drain(layer), { digest: first.digest, size: first.size });
    ok(lines.some((l) => l.includes(`WARNING: KOCACHE: cannot store the layer of ${bin}`)));
  });

  await t.step("pruning keeps recent and the newest entries", async () => {
    const dir = join(tmp.path, "prune");
    await Deno.mkdir(dir);
    const old = new Date(Date.now() - 3 * 60 * 60 * 1000);
    for (let i = 0; i < 7; i++) {
      for (const ext of ["json", "blob"]) {
        const p = join(dir, `k${i}.${ext}`);
        await Deno.writeTextFile(p, "x");
        const when = new Date(old.getTime() + i * 1000);
        await Deno.utime(p, when, when);
      }
    }
    await Deno.writeTextFile(join(dir, "orphan.blob"), "x");
    await Deno.utime(join(dir, "orphan.blob"), old, old);
    // A dead writer's temporary file goes at once, whatever its age; a live one's stays.
    await Deno.writeTextFile(join(dir, ".k9.json.tmp-0123abcd"), "x");
    const live = await OwnedTemp.create(join(dir, "k8.blob"));
    // Temporary files of older versions (not locked) go after an hour.
    await Deno.writeTextFile(join(dir, "k7.blob.tmp-5678"), "x");
    await Deno.utime(join(dir, "k7.blob.tmp-5678"), old, old);
    await Deno.writeTextFile(join(dir, "fresh.blob.tmp-5678"), "x");
    await new LayerCacheDir(dir).prune("k0");
    const left: string[] = [];
    for await (const e of Deno.readDir(dir)) left.push(e.name);
    await live.discard();
    deepEqual(
      left.sort(),
      [
        "fresh.blob.tmp-5678",
        live.path.slice(dir.length + 1),
        ...["k0", "k3", "k4", "k5", "k6"].flatMap((k) => [`${k}.blob`, `${k}.json`]),
      ].sort(),
    );
  });
});

Deno.test("a build ID set with -ldflags=-buildid does not name the binary", async () => {
  await using tmp = await tempDir();
  const cache = (await KoCache.open({ KOCACHE: join(tmp.path, "cache") }, tmp.path))!;
  const outDir = (await cache.outputs().prepare("example.com/app", {
    os: "linux",
    architecture: "amd64",
  }))!;
  await Deno.mkdir(outDir, { recursive: true });
  const out = join(outDir, "out");
  const build = async (word: string) => {
    const src = join(tmp.path, `src-${word}`);
    await Deno.mkdir(src, { recursive: true });
    await Deno.writeTextFile(join(src, "go.mod"), "module example.com/app\n\ngo 1.22\n");
    await Deno.writeTextFile(join(src, "main.go"), HELLO(word));
    await runOk("go", ["build", "-trimpath", "-ldflags=-buildid=fixed", "-o", out, "."], {
      cwd: src,
      env: { CGO_ENABLED: "0", GOFLAGS: "-buildvcs=false", GOOS: "linux", GOARCH: "amd64" },
    });
    equal(await goToolBuildId(out), "fixed");
    return await cache.make({
      binaryPath: out,
      entries: binaryEntries("app", out, "linux"),
      mediaType: MediaType.OciLayerGzip,
      cacheable: true,
    });
  };
  const a = await build("a");
  const b = await build("b"); // same build ID "fixed", other bytes: not a's cached layer
  notEqual(b.digest, a.digest);
  deepEqual(await drain(b), { digest: b.digest, size: b.size });
  equal((await build("a")).digest, a.digest);
});

Deno.test("concurrent writers of one layer cache entry leave it whole", async () => {
  await using tmp = await tempDir();
  const dir = join(tmp.path, "layers");
  const bin = await goBuildFixture(tmp.path, HELLO("c"), { name: "c" });
  const entries = binaryEntries("c", bin, "linux");
  const key = layerCacheKey(await binaryIdentity(bin), entries, MediaType.OciLayerGzip);
  // Eight writers here and one in another process, all at once.
  const script = `
    import { LayerCacheDir } from ${
    JSON.stringify(import.meta.resolve("../../src/build/layer_cache.ts"))
  };
    import { binaryEntries } from ${
    JSON.stringify(import.meta.resolve("../../src/build/app_image.ts"))
  };
    import { closeLayerPool } from ${
    JSON.stringify(import.meta.resolve("../../src/layer/worker_pool.ts"))
  };
    const l = await new LayerCacheDir(${JSON.stringify(dir)}).put(${JSON.stringify(key)},
      binaryEntries("c", ${JSON.stringify(bin)}, "linux"), ${
    JSON.stringify(MediaType.OciLayerGzip)
  });
    console.log(l.digest);
    closeLayerPool();`;
  const other = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const cache = new LayerCacheDir(dir);
  const mine = await Promise.all(
    Array.from({ length: 8 }, () => cache.put(key, entries, MediaType.OciLayerGzip)),
  );
  const theirs = await other;
  equal(theirs.code, 0, new TextDecoder().decode(theirs.stderr));
  const digests = new Set([
    ...mine.map((l) => l.digest),
    new TextDecoder().decode(theirs.stdout).trim(),
  ]);
  equal(digests.size, 1);
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  deepEqual(names.sort(), [`${key}.blob`, `${key}.json`]);
  const hit = await cache.get(key, () => Promise.resolve(undefined));
  ok(hit);
  deepEqual(await drain(hit), { digest: mine[0]!.digest, size: mine[0]!.size });
});
