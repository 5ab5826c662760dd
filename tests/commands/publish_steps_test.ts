/**
 * publishImportPaths tells the publisher the distinct references in argument order before
 * building, so files written at close (--image-refs, a layout's index.json) list images in
 * that order however the concurrent builds finish.
 */
import { deepEqual } from "node:assert/strict";
import type { Builder } from "../../src/build/go_builder.ts";
import type { BuildResult } from "../../src/image/image.ts";
import { scratchImage } from "../../src/image/scratch.ts";
import { publishImportPaths } from "../../src/commands/publish_steps.ts";
import type { Publisher } from "../../src/publish/publisher.ts";

Deno.test("publishImportPaths gives the publisher the distinct references in argument order", async () => {
  const events: string[] = [];
  const builder: Builder = {
    qualify: (ip) => Promise.resolve(`ko://example.com/m/${ip.replace(/^\.\//, "")}`),
    check: () => Promise.resolve(),
    build: (ref): Promise<BuildResult> => {
      events.push(`build ${ref}`);
      return Promise.resolve(scratchImage());
    },
  };
  const publisher: Publisher = {
    order: (refs) => void events.push(`order ${refs.join(" ")}`),
    publish: (result, ref) => Promise.resolve(`${ref}@${result.digest}`),
    close: () => Promise.resolve(),
  };
  await publishImportPaths({ builder, publisher }, ["./b", "./a", "./b", "./c"]);
  deepEqual(events[0], "order ko://example.com/m/b ko://example.com/m/a ko://example.com/m/c");
  deepEqual(events.length, 4);
});
