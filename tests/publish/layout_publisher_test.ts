/**
 * `--oci-layout-path` writes what ko writes, as ko logs it: `Saving ko://<import path>` and
 * `Saved …` (scheme and case kept), `oci-layout` byte for byte as go-containerregistry's layout
 * writer makes it, and `index.json` indented as that writer indents it (three spaces, no
 * trailing newline; tests/oci/manifest_test.ts checks the indentation against Go itself).
 */
import { deepEqual, equal } from "node:assert/strict";
import { join } from "node:path";
import { mutateImage } from "../../src/image/mutate.ts";
import { scratchImage } from "../../src/image/scratch.ts";
import { LOG_ONLY } from "../../src/progress/reporter.ts";
import { LayoutPublisher } from "../../src/publish/layout_publisher.ts";
import { setLogSink } from "../../src/util/log.ts";
import { tempDir } from "../helpers/tools.ts";

Deno.test("a layout is logged and formatted as ko writes it", async () => {
  await using tmp = await tempDir();
  const lines: string[] = [];
  using _sink = { [Symbol.dispose]: setLogSink((line) => lines.push(line)) };
  const path = join(tmp.path, "layout");
  const layout = await LayoutPublisher.create(path, "", () => "", ["latest"]);
  const image = mutateImage(scratchImage(), { annotations: { "test": "layout" } });
  await layout.publish({ kind: "result", result: image }, {
    importPath: "ko://example.com/App/cmd/Server",
    rank: 0,
    report: LOG_ONLY,
  });
  await layout.close();
  deepEqual(lines.map((l) => l.replace(/^\S+ \S+ /, "")), [
    "Saving ko://example.com/App/cmd/Server",
    "Saved ko://example.com/App/cmd/Server",
  ]);
  equal(
    await Deno.readTextFile(join(path, "oci-layout")),
    '{\n    "imageLayoutVersion": "1.0.0"\n}',
  );
  const index = await Deno.readTextFile(join(path, "index.json"));
  equal(
    index,
    [
      "{",
      '   "schemaVersion": 2,',
      '   "mediaType": "application/vnd.oci.image.index.v1+json",',
      '   "manifests": [',
      "      {",
      `         "mediaType": "${image.manifest.mediaType}",`,
      `         "size": ${image.manifestBytes.length},`,
      `         "digest": "${image.digest}",`,
      `         "artifactType": "${image.manifest.config.mediaType}"`,
      "      }",
      "   ]",
      "}",
    ].join("\n"),
  );
});
