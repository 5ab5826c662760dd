/**
 * How `ko resolve` drives the builder and publisher for each reference (qualification, the
 * `--jobs` bound on checks, error wording). A recording builder and publisher stand in here
 * only to observe call order and concurrency, which the real ones cannot report; the real
 * ones run end to end in tests/e2e/resolve_test.ts.
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import type { Builder, BuildEvent } from "../../src/build/builder.ts";
import type { BuildResult } from "../../src/image/image.ts";
import type { Publisher } from "../../src/publish/publisher.ts";
import { Pipeline } from "../../src/commands/pipeline.ts";
import { LOG_ONLY } from "../../src/progress/reporter.ts";
import { qualifyReference, referenceResolution } from "../../src/commands/resolve.ts";
import { KoError } from "../../src/util/errors.ts";

/** A builder that qualifies `./x` as `ko://example.com/m/x` and records every call. */
function recordingBuilder(opts: { failBuild?: string } = {}) {
  const calls: string[] = [];
  const state = { calls };
  const builder: Builder = {
    qualify(ip) {
      calls.push(`qualify ${ip}`);
      return Promise.resolve(`ko://example.com/m/${ip.replace(/^\.\//, "")}`);
    },
    check(ref) {
      calls.push(`check ${ref}`);
      return Promise.resolve();
    },
    inputs: () => Promise.resolve({ dirs: [], trees: [], files: [] }),
    async *build(ref): AsyncGenerator<BuildEvent> {
      calls.push(`build ${ref}`);
      if (ref === opts.failBuild) throw new KoError("go build: exit status 1");
      yield {
        kind: "result",
        result: { digest: `sha256:${ref.length}` } as unknown as BuildResult,
      };
    },
  };
  return { builder, state };
}

function recordingPublisher(fail = false): Publisher & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    publish(event, { importPath: ip }) {
      if (event.kind === "child") return Promise.resolve("");
      calls.push(`publish ${ip}`);
      if (fail) return Promise.reject(new KoError("unauthorized"));
      return Promise.resolve(`registry.example/${ip.slice(5)}@${event.result.digest}`);
    },
    close: () => Promise.resolve(),
    abort: () => Promise.resolve(),
  };
}

/** A pipeline over `builder` and `publisher` that holds nothing to release. */
function pipeline(builder: Builder, publisher: Publisher): Pipeline {
  return new Pipeline(builder, publisher, LOG_ONLY, () => Promise.resolve());
}

Deno.test("qualifyReference qualifies only local forms (., .., ./x, ../x)", async () => {
  const q = (ip: string) => Promise.resolve(`ko://example.com/m/${ip}`);
  equal(await qualifyReference("ko://./cmd/x", q), "ko://example.com/m/./cmd/x");
  equal(await qualifyReference("ko://.", q), "ko://example.com/m/.");
  equal(await qualifyReference("ko://../x", q), "ko://example.com/m/../x");
  equal(await qualifyReference("ko://example.com/m/cmd/x", q), "ko://example.com/m/cmd/x");
  equal(await qualifyReference("ko:///abs/dir", q), "ko:///abs/dir");
  equal(await qualifyReference("ko://cmd/x", q), "ko://cmd/x");
});

Deno.test("referenceResolution builds and publishes a local reference under its import path, qualifying it once", async () => {
  const { builder, state } = recordingBuilder();
  const publisher = recordingPublisher();
  const { checker, resolver } = referenceResolution(pipeline(builder, publisher));
  await checker("ko://./cmd/x");
  equal(await resolver("ko://./cmd/x"), "registry.example/example.com/m/cmd/x@sha256:24");
  deepEqual(state.calls, [
    "qualify ./cmd/x",
    "check ko://example.com/m/cmd/x",
    "build ko://example.com/m/cmd/x",
  ]);
  deepEqual(publisher.calls, ["publish ko://example.com/m/cmd/x"]);
});

Deno.test("referenceResolution rejects an empty ko:// reference without checking or building", async () => {
  const { builder, state } = recordingBuilder();
  const { checker } = referenceResolution(pipeline(builder, recordingPublisher()));
  await rejects(checker("ko://"), new KoError("empty import path"));
  deepEqual(state.calls, []);
});

Deno.test("referenceResolution names the reference as written in build and publish errors", async () => {
  const { builder } = recordingBuilder({ failBuild: "ko://example.com/m/broken" });
  const failing = referenceResolution(pipeline(builder, recordingPublisher()));
  await rejects(
    failing.resolver("ko://./broken"),
    (e: unknown) =>
      e instanceof KoError &&
      e.message === 'error building "ko://./broken": go build: exit status 1',
  );
  const unpublished = referenceResolution(pipeline(builder, recordingPublisher(true)));
  await rejects(
    unpublished.resolver("ko://example.com/m/ok"),
    (e: unknown) =>
      e instanceof KoError &&
      e.message === 'error publishing "ko://example.com/m/ok": unauthorized',
  );
});
