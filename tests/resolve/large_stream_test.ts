/**
 * Resolving large multi-document streams: the output is the input with each reference
 * replaced and every other byte as written, documents without a reference pass through
 * untouched, references the quick scans could miss are still found, and memory stays near
 * the size of the text (a resolve of a stream many times larger than the heap's cap
 * succeeds in a Deno whose heap is capped).
 */
import { deepEqual, equal } from "node:assert/strict";
import { join } from "node:path";
import { prepareFile } from "../../src/resolve/resolve_file.ts";
import { resolveFiles } from "../../src/resolve/resolver.ts";
import { largeManifest } from "../helpers/large_yaml.ts";
import { fakeDigestRef, fakeResolver } from "./fake_resolver.ts";

const REFS = ["ko://example.com/large/cmd/a", "ko://example.com/large/cmd/b"];
const published = (ref: string) => `registry.example/${ref.slice(5)}@sha256:${"0".repeat(64)}`;

Deno.test("a large stream resolves to its own text with only the references replaced", () => {
  const text = largeManifest({ bytes: 6_000_000, refs: REFS, bigStringLength: 200_000 });
  const prepared = prepareFile("large.yaml", text);
  const occurrences = text.match(/ko:\/\/[\w./-]+/g)!;
  equal(prepared.references.length, occurrences.length);
  deepEqual(prepared.distinct, REFS);
  // The generated documents are separated by `---\n` with none before the first, as the
  // resolver writes them, so the expected output is a plain substitution.
  equal(prepared.render(published).join(""), text.replace(/ko:\/\/[\w./-]+/g, published));
});

Deno.test("a large file is written in batches that join to its output, a small one at once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const large = largeManifest({ bytes: 3_000_000, refs: REFS, bigStringLength: 100_000 });
    await Deno.writeTextFile(join(dir, "1-large.yaml"), large);
    await Deno.writeTextFile(join(dir, "2-small.yaml"), `image: ${REFS[1]}\n`);
    const chunks: string[] = [];
    await resolveFiles({
      inputs: [dir],
      resolver: fakeResolver(),
      write: (chunk) => Promise.resolve(void chunks.push(chunk)),
    });
    const expected = large.replace(/ko:\/\/[\w./-]+/g, fakeDigestRef) + "\n---\n";
    equal(chunks.length > 2, true);
    equal(chunks.slice(0, -1).join(""), expected);
    equal(chunks.at(-1), `image: ${fakeDigestRef(REFS[1]!)}\n\n---\n`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("documents without references pass through byte for byte among rewritten ones", () => {
  const untouched = [
    "# leading comment\napiVersion: v1\nkind: ConfigMap\ndata: {a: 1,   b: '2'}   # spaces kept\n",
    "list:\n- x\n-   'y'\n- &a z\n- *a\n",
    "text: |+\n  keep\n\n",
  ];
  const edited = "image: ko://example.com/large/cmd/a\n";
  const text = [untouched[0], edited, untouched[1], edited, untouched[2]].join("---\n");
  const out = prepareFile("f.yaml", text).render(published).join("");
  equal(
    out,
    [
      untouched[0],
      `image: ${published(REFS[0]!)}\n`,
      untouched[1],
      `image: ${published(REFS[0]!)}\n`,
      untouched[2],
    ].join("---\n"),
  );
});

Deno.test("references hidden from a plain text search are still found", () => {
  // Escapes in double quotes, and a line continuation, spell `ko://` without writing it;
  // other escapes (`\"`) alone do not make a document worth searching, but do no harm.
  const docs = [
    'a: "\\x6Bo://example.com/large/cmd/a"\n',
    'b: "ko:\\\n  //example.com/large/cmd/b"\n',
    'c: "ko:\\/\\/example.com/large/cmd/a"\n',
    'd: "\\u006b\\u006F://example.com/large/cmd/b"\n',
    'e: "\\"quoted\\""\n',
  ];
  const prepared = prepareFile("f.yaml", docs.join("---\n"));
  deepEqual(prepared.references.map((r) => [r.ref, r.line]), [
    [REFS[0], 1],
    [REFS[1], 3],
    [REFS[0], 6],
    [REFS[1], 8],
  ]);
  const quoted = (ref: string) => JSON.stringify(published(ref));
  equal(
    prepared.render(published).join(""),
    [
      `a: ${quoted(REFS[0]!)}\n`,
      `b: ${quoted(REFS[1]!)}\n`,
      `c: ${quoted(REFS[0]!)}\n`,
      `d: ${quoted(REFS[1]!)}\n`,
      docs[4],
    ].join("---\n"),
  );
});

Deno.test("a stream much larger than a capped heap resolves in it", async () => {
  const child = new URL("./large_stream_child.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    // 12 MB of documents with many small nodes in a 96 MB heap: holding every document's
    // syntax tree at once needs several times that.
    args: ["run", "-A", "--v8-flags=--max-old-space-size=96", child, "--mb", "12"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  equal(out.success, true, `the capped resolve failed (${out.code}):\n${stderr.slice(-2000)}`);
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  equal(result.references > 100, true);
  equal(result.length > 12_000_000, true);
});
