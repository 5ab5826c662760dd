/**
 * resolveFiles end to end over real files, with a fake resolver standing in for the builder
 * and publisher (fake_resolver.ts; the real ones are tested on their own and wired by the CLI).
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { resolveFiles, type ResolveFilesOptions } from "../../src/resolve/resolver.ts";
import { KoError } from "../../src/util/errors.ts";
import { fakeDigestRef, fakeResolver } from "./fake_resolver.ts";
import { waitFor } from "../helpers/tools.ts";

const TESTDATA = new URL("../testdata/resolve/", import.meta.url).pathname;

/** Runs resolveFiles and returns what it wrote, chunk by chunk. */
async function run(
  options: Partial<ResolveFilesOptions> & Pick<ResolveFilesOptions, "inputs">,
): Promise<{ chunks: string[]; resolver: ReturnType<typeof fakeResolver> }> {
  const resolver = (options.resolver as ReturnType<typeof fakeResolver>) ?? fakeResolver();
  const chunks: string[] = [];
  await resolveFiles({
    resolver,
    write: (chunk) => {
      chunks.push(chunk);
      return Promise.resolve();
    },
    ...options,
  });
  return { chunks, resolver };
}

/** Writes files into a fresh temporary directory and passes it to `fn`. */
async function withFiles<T>(
  files: Record<string, string>,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "ko-resolve-" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.mkdir(join(dir, name, ".."), { recursive: true });
      await Deno.writeTextFile(join(dir, name), text);
    }
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const pod = (...images: string[]) =>
  `apiVersion: v1\nkind: Pod\nspec:\n  containers:\n${
    images.map((i) => `  - image: ${i}\n`).join("")
  }`;

for (
  const name of [
    "comments_quoting.yaml",
    "deployment.yaml",
    "custom_resource.yaml",
    "multi_doc.yaml",
    "app.json",
  ]
) {
  Deno.test(`resolveFiles output for ${name} matches its golden file byte for byte`, async () => {
    const { chunks } = await run({ inputs: [TESTDATA + name] });
    const golden = await Deno.readTextFile(
      TESTDATA + name.replace(/\.(yaml|json)$/, ".golden"),
    );
    equal(chunks.join(""), golden);
  });
}

Deno.test("resolveFiles golden for comments and quoting differs from its input only in digests", async () => {
  const input = await Deno.readTextFile(TESTDATA + "comments_quoting.yaml");
  const { chunks } = await run({ inputs: [TESTDATA + "comments_quoting.yaml"] });
  const expected = input
    .replace(/ko:\/\/example\.com\/app\/cmd\/\w+(?=['"\s:,\]])/g, (ref, offset: number) => {
      // Only whole values are references: not the one after "built by ", nor the spaced one.
      const before = input.slice(input.lastIndexOf("\n", offset) + 1, offset);
      return /(built by |" {2})$/.test(before) ? ref : fakeDigestRef(ref);
    })
    .replace("image: |  #", "image: |-  #");
  equal(chunks.join(""), expected + "\n---\n");
});

Deno.test("resolveFiles follows every file with \\n---\\n, an emptied file with just that", async () => {
  const { chunks } = await run({
    inputs: ["-"],
    stdin: "# nothing but a comment\n---\n",
  });
  deepEqual(chunks, ["\n---\n"]);
});

Deno.test("resolveFiles reads - from a stream", async () => {
  const stdin = new Blob([pod("ko://example.com/a")]).stream();
  const { chunks } = await run({ inputs: ["-"], stdin });
  deepEqual(chunks, [pod(fakeDigestRef("ko://example.com/a")) + "\n---\n"]);
});

Deno.test("resolveFiles takes .yml files from directories and walks them with -R", async () => {
  const tree = TESTDATA + "tree";
  const flat = await run({ inputs: [tree] });
  deepEqual(flat.chunks, [
    "kind: upper\n\n---\n",
    "kind: a\n\n---\n",
    "kind: b\n\n---\n",
    '{"kind": "c"}\n\n---\n',
    "kind: z\n\n---\n",
  ]);
  const deep = await run({ inputs: [tree], recursive: true });
  deepEqual(deep.chunks.map((c) => c.split("\n")[0]), [
    "kind: upper",
    "kind: a",
    "kind: b",
    '{"kind": "c"}',
    "kind: deeper-f",
    "kind: sub-e",
    "kind: z",
  ]);
});

Deno.test("resolveFiles builds each distinct reference once across all files (30 uses of 6)", async () => {
  const refs = [1, 2, 3, 4, 5, 6].map((i) => `ko://example.com/app/cmd/r${i}`);
  const files: Record<string, string> = {};
  for (let f = 0; f < 5; f++) {
    // Every file uses all six, in a different order.
    files[`f${f}.yaml`] = pod(...refs.map((_, i) => refs[(i + f) % 6]!));
  }
  await withFiles(files, async (dir) => {
    const { chunks, resolver } = await run({ inputs: [dir], jobs: 4 });
    equal(resolver.calls.length, 6);
    deepEqual([...resolver.calls].sort(), refs);
    equal(chunks.length, 5);
    for (const [f, chunk] of chunks.entries()) {
      equal(chunk, pod(...refs.map((_, i) => fakeDigestRef(refs[(i + f) % 6]!))) + "\n---\n");
    }
  });
});

Deno.test("resolveFiles runs at most --jobs resolutions at once", async () => {
  const refs = Array.from({ length: 12 }, (_, i) => `ko://example.com/cmd/j${i}`);
  await withFiles({ "a.yaml": pod(...refs) }, async (dir) => {
    for (const jobs of [1, 3, 5]) {
      const resolver = fakeResolver({ delay: () => 15 });
      await run({ inputs: [dir], jobs, resolver });
      equal(resolver.maxInFlight, jobs, `jobs=${jobs}`);
      equal(resolver.calls.length, 12);
    }
  });
});

Deno.test("resolveFiles writes in file order even when later files finish first", async () => {
  const delays: Record<string, number> = { "ko://a": 80, "ko://b": 40, "ko://c": 0 };
  await withFiles(
    { "1.yaml": pod("ko://a"), "2.yaml": pod("ko://b"), "3.yaml": pod("ko://c") },
    async (dir) => {
      const resolver = fakeResolver({ delay: (r) => delays[r]! });
      const { chunks } = await run({ inputs: [dir], resolver, jobs: 3 });
      deepEqual(
        chunks,
        ["ko://a", "ko://b", "ko://c"].map((r) => pod(fakeDigestRef(r)) + "\n---\n"),
      );
    },
  );
});

Deno.test("resolveFiles writes a file as soon as it and every earlier file are done", async () => {
  await withFiles({ "1.yaml": pod("ko://fast"), "2.yaml": pod("ko://slow") }, async (dir) => {
    const base = fakeResolver({ delay: (r) => (r === "ko://slow" ? 150 : 0) });
    const done = new Set<string>();
    const resolver = Object.assign(async (ref: string, signal?: AbortSignal) => {
      const out = await base(ref, signal);
      done.add(ref);
      return out;
    }, base);
    const doneAtWrite: boolean[] = [];
    await resolveFiles({
      inputs: [dir],
      resolver,
      jobs: 2,
      write: () => {
        doneAtWrite.push(done.has("ko://slow"));
        return Promise.resolve();
      },
    });
    // The first file went out while the second file's build was still running.
    deepEqual(doneAtWrite, [false, true]);
  });
});

Deno.test("resolveFiles checks every reference of every file before building any", async () => {
  await withFiles(
    { "1.yaml": pod("ko://a", "ko://b"), "2.yaml": pod("ko://c", "ko://a") },
    async (dir) => {
      const checked: string[] = [];
      let builtBeforeAllChecked = false;
      const base = fakeResolver();
      const resolver = Object.assign((ref: string, signal?: AbortSignal) => {
        if (checked.length < 3) builtBeforeAllChecked = true;
        return base(ref, signal);
      }, base);
      await run({
        inputs: [dir],
        resolver,
        checker: (ref) => {
          checked.push(ref);
          return Promise.resolve();
        },
      });
      deepEqual(checked.sort(), ["ko://a", "ko://b", "ko://c"]); // once each
      equal(builtBeforeAllChecked, false);
    },
  );
});

Deno.test("resolveFiles names the file and line of a reference that is not a main package, writing nothing", async () => {
  await withFiles(
    {
      "1.yaml": pod("ko://example.com/ok"),
      "2.yaml": pod("ko://example.com/ok", "ko://example.com/lib"),
    },
    async (dir) => {
      const chunks: string[] = [];
      const resolver = fakeResolver();
      const file = join(dir, "2.yaml");
      await rejects(
        resolveFiles({
          inputs: [dir],
          resolver,
          checker: (ref) =>
            ref.endsWith("/lib")
              ? Promise.reject(new KoError(`package example.com/lib is not a main package`))
              : Promise.resolve(),
          write: (c) => {
            chunks.push(c);
            return Promise.resolve();
          },
        }),
        new KoError(
          `error processing import paths in ${
            JSON.stringify(file)
          }: error resolving image references: ` +
            `${file}:6: found strict reference but ko://example.com/lib is not a valid import path: ` +
            `package example.com/lib is not a main package`,
        ),
      );
      deepEqual(chunks, []);
      deepEqual(resolver.calls, []);
    },
  );
});

Deno.test("resolveFiles reports malformed YAML with file, line and column, writing nothing", async () => {
  await withFiles({ "1.yaml": pod("ko://a"), "2.yaml": "ok: 1\nbad: [1, 2\n" }, async (dir) => {
    const chunks: string[] = [];
    const file = join(dir, "2.yaml");
    await rejects(
      run({ inputs: [dir] }).then((r) => chunks.push(...r.chunks)),
      (err: unknown) =>
        err instanceof KoError &&
        err.message.startsWith(
          `error processing import paths in ${JSON.stringify(file)}: ${file}:`,
        ) &&
        /:\d+:\d+: /.test(err.message),
    );
    deepEqual(chunks, []);
  });
});

Deno.test("resolveFiles rejects a bad selector before reading anything", async () => {
  await rejects(
    run({ inputs: ["/does/not/exist.yaml"], selector: "app in (web" }),
    new KoError(
      `unable to parse selector "app in (web": unable to parse requirement: found end of string, expected: ',' or ')'`,
    ),
  );
});

Deno.test("resolveFiles applies the selector to every file", async () => {
  const { chunks } = await run({
    inputs: [TESTDATA + "selector.yaml", TESTDATA + "deployment.yaml"],
    selector: "app=db",
  });
  equal(chunks.length, 2);
  ok(chunks[0]!.includes("name: db\n"));
  ok(chunks[0]!.includes("name: db-migrate\n"));
  ok(!chunks[0]!.includes("web"));
  equal(chunks[1], "\n---\n"); // the web deployment is filtered out
});

Deno.test("resolveFiles stops at a failed build: earlier files stay written, the rest is cancelled", async () => {
  await withFiles(
    { "1.yaml": pod("ko://ok"), "2.yaml": pod("ko://boom"), "3.yaml": pod("ko://slow") },
    async (dir) => {
      const resolver = fakeResolver({
        delay: (r) => ({ "ko://ok": 0, "ko://boom": 40, "ko://slow": 5000 })[r]!,
        fail: (r) => (r === "ko://boom" ? new Error("go build failed") : undefined),
      });
      const chunks: string[] = [];
      const started = performance.now();
      await rejects(
        resolveFiles({
          inputs: [dir],
          resolver,
          jobs: 3,
          write: (c) => {
            chunks.push(c);
            return Promise.resolve();
          },
        }),
        new KoError(
          `error processing import paths in ${
            JSON.stringify(join(dir, "2.yaml"))
          }: error resolving image references: go build failed`,
        ),
      );
      ok(performance.now() - started < 2000, "the slow build was cancelled");
      deepEqual(chunks, [pod(fakeDigestRef("ko://ok")) + "\n---\n"]);
      deepEqual(resolver.aborted, ["ko://slow"]);
    },
  );
});

Deno.test("resolveFiles charges a failed shared reference to the first file using it", async () => {
  await withFiles(
    { "1.yaml": pod("ko://slow"), "2.yaml": pod("ko://bad"), "3.yaml": pod("ko://bad") },
    async (dir) => {
      const resolver = fakeResolver({
        delay: (r) => (r === "ko://slow" ? 30 : 0),
        fail: (
          r,
        ) => (r === "ko://bad" ? new KoError("no such package", { exitCode: 3 }) : undefined),
      });
      await rejects(
        run({ inputs: [dir], resolver }),
        (err: unknown) =>
          err instanceof KoError && err.exitCode === 3 &&
          err.message.startsWith(
            `error processing import paths in ${JSON.stringify(join(dir, "2.yaml"))}: `,
          ),
      );
    },
  );
});

Deno.test("resolveFiles stops when its signal aborts", async () => {
  await withFiles({ "1.yaml": pod("ko://a"), "2.yaml": pod("ko://b") }, async (dir) => {
    const controller = new AbortController();
    const resolver = fakeResolver({ delay: () => 5000 });
    const running = run({ inputs: [dir], resolver, signal: controller.signal });
    running.catch(() => {}); // checked below
    await waitFor(
      "both references to be resolving",
      () => Promise.resolve(resolver.calls.length === 2 ? true : undefined),
    );
    controller.abort(new Error("interrupted"));
    await rejects(running, /interrupted/);
    deepEqual(resolver.aborted.sort(), ["ko://a", "ko://b"]);
  });
});

Deno.test("resolveFiles passes on a failing write and cancels the rest", async () => {
  await withFiles({ "1.yaml": pod("ko://a"), "2.yaml": pod("ko://b") }, async (dir) => {
    const resolver = fakeResolver({ delay: (r) => (r === "ko://b" ? 5000 : 0) });
    await rejects(
      resolveFiles({
        inputs: [dir],
        resolver,
        write: () => Promise.reject(new Error("broken pipe")),
      }),
      /broken pipe/,
    );
    deepEqual(resolver.aborted, ["ko://b"]);
  });
});

Deno.test("resolveFiles rejects invalid UTF-8 with file, line and column instead of replacing it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ko-resolve-" });
  try {
    const file = join(dir, "bin.yaml");
    const text = new TextEncoder().encode("a: é\nb: x");
    await Deno.writeFile(file, new Uint8Array([...text, 0xff, 0x0a, 0x63, 0x0a]));
    await rejects(
      run({ inputs: [file] }),
      new KoError(
        `error processing import paths in ${JSON.stringify(file)}: ${file}:2:5: invalid UTF-8`,
      ),
    );
    await Deno.writeFile(file, new Uint8Array([0xc3, 0x28]));
    await rejects(run({ inputs: [file] }), /bin\.yaml:1:1: invalid UTF-8$/);
    // A UTF-16 file with its byte-order mark is read as go-yaml reads it.
    const utf16 = "\uFEFFimage: ko://a\n";
    const le = new Uint8Array(utf16.length * 2);
    for (let i = 0; i < utf16.length; i++) {
      new DataView(le.buffer).setUint16(i * 2, utf16.charCodeAt(i), true);
    }
    await Deno.writeFile(file, le);
    deepEqual((await run({ inputs: [file] })).chunks, [
      `image: ${fakeDigestRef("ko://a")}\n\n---\n`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
