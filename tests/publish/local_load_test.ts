/**
 * The steps both local publishers share (src/publish/local_load.ts), over a recording store:
 * a name the store would refuse fails before anything is loaded, naming it.
 */
import { LOG_ONLY } from "../../src/progress/reporter.ts";
import { deepEqual, equal, rejects } from "node:assert/strict";
import { publishToLocalStore } from "../../src/publish/local_load.ts";
import { namer } from "../../src/publish/naming.ts";
import type { Image } from "../../src/image/image.ts";
import { KoError } from "../../src/util/errors.ts";

Deno.test("a local store gets only names that parse", async () => {
  const hex = "ab".repeat(32);
  // A stand-in image: these steps only read its digest.
  const img = { kind: "image", digest: `sha256:${hex}` } as unknown as Image;
  const calls: string[] = [];
  const store = {
    wantedPlatform: () =>
      Promise.resolve({ platform: { os: "linux", architecture: "amd64" }, reason: "test" }),
    load: (_img: unknown, digestTag: string) => {
      calls.push(`load ${digestTag}`);
      return Promise.resolve();
    },
    tag: (_d: string, tag: string) => {
      calls.push(`tag ${tag}`);
      return Promise.resolve();
    },
  };
  const options = (baseRepo: string) => ({
    baseRepo,
    namer: namer("base"),
    tags: ["latest"],
    env: {},
  });
  await rejects(
    publishToLocalStore(options("ko.local/UPPER"), store, img, "example.com/app", LOG_ONLY),
    (e) =>
      e instanceof KoError &&
      e.message.startsWith('failed to parse "ko.local/UPPER/app" as repository: ') &&
      e.message.includes("lowercase"),
  );
  await rejects(
    publishToLocalStore(options("ko.local"), store, img, "example.com/a+b", LOG_ONLY),
    (e) => e instanceof KoError && e.message.startsWith('failed to parse "ko.local/a+b"'),
  );
  deepEqual(calls, []);
  const ref = await publishToLocalStore(
    options("ko.local"),
    store,
    img,
    "example.com/app",
    LOG_ONLY,
  );
  equal(ref, `ko.local/app:${hex}`);
  deepEqual(calls, [`load ${ref}`, "tag ko.local/app:latest"]);
});
