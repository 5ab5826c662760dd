/**
 * The build → publish pipeline (src/commands/pipeline.ts): what a build yields reaches the
 * publisher in order (index children ahead of their index), each reference is built and
 * published once per run, results are ranked in argument order, and errors read as ko's. A
 * recording builder and publisher stand in only to observe calls; the real ones run end to end
 * in tests/e2e.
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import type { Builder, BuildEvent } from "../../src/build/builder.ts";
import { Pipeline } from "../../src/commands/pipeline.ts";
import { LOG_ONLY } from "../../src/progress/reporter.ts";
import type { Image } from "../../src/image/image.ts";
import { scratchImage } from "../../src/image/scratch.ts";
import type { Publisher } from "../../src/publish/publisher.ts";
import { KoError } from "../../src/util/errors.ts";

const image = (arch: string): Image =>
  scratchImage({ os: "linux", architecture: arch }) as unknown as Image;

/** A builder whose every build yields `children` (by architecture) and then a result. */
function builder(events: string[], children: string[] = [], fail?: string): Builder {
  return {
    qualify: (ip) => Promise.resolve(`ko://example.com/m/${ip.replace(/^\.\//, "")}`),
    check: () => Promise.resolve(),
    inputs: () => Promise.resolve({ dirs: [], trees: [], files: [] }),
    async *build(ref): AsyncGenerator<BuildEvent> {
      events.push(`build ${ref}`);
      if (ref === fail) throw new KoError("go build: exit status 1");
      for (const arch of children) yield { kind: "child", image: image(arch) };
      yield { kind: "result", result: image("amd64") };
    },
  };
}

function publisher(events: string[], fail = false): Publisher {
  return {
    publish(event, target) {
      const what = event.kind === "child"
        ? `child ${event.image.config.architecture}`
        : `result rank ${target.rank}`;
      events.push(`publish ${target.importPath} ${what}`);
      if (fail) return Promise.reject(new KoError("unauthorized"));
      return Promise.resolve(event.kind === "child" ? "" : `${target.importPath}@digest`);
    },
    close: () => Promise.resolve(void events.push("close")),
    abort: () => Promise.resolve(void events.push("abort")),
  };
}

const noRelease = () => Promise.resolve();

Deno.test("publishImportPaths builds each distinct reference once, ranked in argument order", async () => {
  const events: string[] = [];
  const pipeline = new Pipeline(builder(events), publisher(events), LOG_ONLY, noRelease);
  const published = await pipeline.publishImportPaths(["./b", "./a", "./b", "./c"]);
  deepEqual(published.map((p) => p.ref), [
    "ko://example.com/m/b",
    "ko://example.com/m/a",
    "ko://example.com/m/c",
  ]);
  deepEqual(events.filter((e) => e.startsWith("build")).length, 3);
  deepEqual(events.filter((e) => e.startsWith("publish")).toSorted(), [
    "publish ko://example.com/m/a result rank 1",
    "publish ko://example.com/m/b result rank 0",
    "publish ko://example.com/m/c result rank 2",
  ]);
});

Deno.test("index children reach the publisher ahead of their index, each reference once", async () => {
  const events: string[] = [];
  const pipeline = new Pipeline(
    builder(events, ["amd64", "arm64"]),
    publisher(events),
    LOG_ONLY,
    noRelease,
  );
  const [first, again] = await Promise.all([
    pipeline.publish("ko://example.com/m/x", "./x", 0),
    pipeline.publish("ko://example.com/m/x", "ko://./x", 5),
  ]);
  equal(first, "ko://example.com/m/x@digest");
  equal(again, first);
  deepEqual(events, [
    "build ko://example.com/m/x",
    "publish ko://example.com/m/x child amd64",
    "publish ko://example.com/m/x child arm64",
    "publish ko://example.com/m/x result rank 0",
  ]);
});

Deno.test("build and publish failures read as ko's, naming the reference as asked", async () => {
  const events: string[] = [];
  const failing = new Pipeline(
    builder(events, [], "ko://example.com/m/broken"),
    publisher(events),
    LOG_ONLY,
    noRelease,
  );
  await rejects(
    failing.publish("ko://example.com/m/broken", "./broken", 0),
    new KoError('error building "./broken": go build: exit status 1'),
  );
  const unpublished = new Pipeline(builder(events), publisher(events, true), LOG_ONLY, noRelease);
  await rejects(
    unpublished.publish("ko://example.com/m/ok", "./ok", 0),
    new KoError('error publishing "./ok": unauthorized'),
  );
  const unqualified = new Pipeline(
    { ...builder(events), check: () => Promise.reject(new KoError("not package main")) },
    publisher(events),
    LOG_ONLY,
    noRelease,
  );
  await rejects(
    unqualified.qualify("./lib"),
    new KoError('importpath "./lib" is not supported: not package main'),
  );
});

Deno.test("run closes the publisher after the work, or aborts it on failure, and always releases", async () => {
  const events: string[] = [];
  const release = () => Promise.resolve(void events.push("release"));
  const ok = new Pipeline(builder(events), publisher(events), LOG_ONLY, release);
  await ok.run(() => Promise.resolve(1), (n) => Promise.resolve(void events.push(`after ${n}`)));
  deepEqual(events, ["close", "after 1", "release"]);
  events.length = 0;
  const bad = new Pipeline(builder(events), publisher(events), LOG_ONLY, release);
  await rejects(bad.run(() => Promise.reject(new Error("boom"))), /boom/);
  deepEqual(events, ["abort", "release"]);
});
