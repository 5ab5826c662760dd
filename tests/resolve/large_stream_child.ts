/**
 * Run by large_stream_test.ts in a Deno whose heap is capped: generates a stream of many
 * node-heavy documents (`--mb` megabytes), resolves it with a stand-in reference, and prints
 * the output's length and how many references were replaced. Exceeding the cap kills the
 * process (V8's out-of-memory abort), which the test sees as a failure.
 */
import { prepareFile } from "../../src/resolve/resolve_file.ts";
import { largeManifest } from "../helpers/large_yaml.ts";

const megabytes = Number(Deno.args[Deno.args.indexOf("--mb") + 1]);
const text = largeManifest({
  bytes: megabytes * 1_000_000,
  refs: ["ko://example.com/large/cmd/a", "ko://example.com/large/cmd/b"],
  bigStringEvery: 1_000_000,
});
const prepared = prepareFile("large.yaml", text);
const pieces = prepared.render((ref) =>
  `registry.example/${ref.slice(5)}@sha256:${"0".repeat(64)}`
);
const length = pieces.reduce((n, piece) => n + piece.length, 0);
console.log(JSON.stringify({ length, references: prepared.references.length }));
