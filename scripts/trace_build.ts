/**
 * Which of our files a `ko build ./cmd/app` passes through on its way to the manifest PUT: the
 * async call stacks at the `go build` spawn and at the PUT, joined (files in first-seen order).
 * Runs ko in this process against a real registry (Debian's docker-registry, started here) on
 * the built-in scratch base.
 *
 * Usage: deno run -A scripts/trace_build.ts
 */
import { traceBuild } from "../tests/helpers/trace_build.ts";

const files = await traceBuild();
for (const f of files) console.log(f);
console.log(`${files.length} files`);
