/**
 * Files written at close list images in the order of the command's import paths (their rank;
 * ko publishes them one by one in that order), whatever order the concurrent publishes finish in:
 * `--image-refs` (RecordingPublisher) and a layout's `index.json` (LayoutPublisher).
 */
import { LOG_ONLY } from "../../src/progress/reporter.ts";
import { deepEqual } from "node:assert/strict";
import { join } from "node:path";
import { mutateImage } from "../../src/image/mutate.ts";
import { scratchImage } from "../../src/image/scratch.ts";
import { REF_NAME_ANNOTATION } from "../../src/oci/annotations.ts";
import { LayoutPublisher } from "../../src/publish/layout_publisher.ts";
import { RecordingPublisher } from "../../src/publish/recording_publisher.ts";
import { setLogSink } from "../../src/util/log.ts";
import { tempDir } from "../helpers/tools.ts";

Deno.test("--image-refs and index.json follow the import paths' order, not completion", async () => {
  await using tmp = await tempDir();
  using _sink = { [Symbol.dispose]: setLogSink(() => {}) };
  const layoutPath = join(tmp.path, "layout");
  const refsPath = join(tmp.path, "refs");
  const layout = await LayoutPublisher.create(
    layoutPath,
    "registry.example/me",
    (base, ip) => `${base}/${ip.split("/").pop()}`,
    ["latest"],
  );
  const publisher = await RecordingPublisher.create(layout, refsPath);
  const paths = [
    "ko://example.com/app/cmd/a",
    "ko://example.com/app/cmd/b",
    "ko://example.com/app/cmd/c",
  ];
  const digests = new Map<string, string>();
  for (const ip of paths.toReversed()) {
    const image = mutateImage(scratchImage(), { annotations: { "test.ip": ip } });
    digests.set(ip, image.digest);
    await publisher.publish({ kind: "result", result: image }, {
      importPath: ip,
      rank: paths.indexOf(ip),
      report: LOG_ONLY,
    });
  }
  await publisher.close();

  const refs = (await Deno.readTextFile(refsPath)).split("\n").filter((l) => l !== "");
  deepEqual(refs, paths.map((ip) => `${layoutPath}@${digests.get(ip)}`));
  const index = JSON.parse(await Deno.readTextFile(join(layoutPath, "index.json")));
  deepEqual(
    index.manifests.map((d: { annotations: Record<string, string> }) =>
      d.annotations[REF_NAME_ANNOTATION]
    ),
    ["a", "b", "c"].map((n) => `registry.example/me/${n}:latest`),
  );
});
