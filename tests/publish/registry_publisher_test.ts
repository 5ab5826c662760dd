/**
 * RegistryPublisher against a real registry (Debian's docker-registry): an index's children
 * pushed ahead (`child` events) while the others build, then the index published without
 * pushing them again; a failure while pushing ahead is reported by the index's publish too.
 */
import { deepEqual, equal, match, rejects } from "node:assert/strict";
import { LOG_ONLY } from "../../src/progress/reporter.ts";
import { makeIndex } from "../../src/image/image.ts";
import { scratchImage } from "../../src/image/scratch.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { parseRepository } from "../../src/oci/reference.ts";
import { RegistryPublisher } from "../../src/publish/registry_publisher.ts";
import { setLogSink } from "../../src/util/log.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { waitFor } from "../helpers/tools.ts";
import { clientFor } from "../registry/support.ts";

/** The PUTs of manifests in a slice of the registry log, by path. */
function manifestPuts(log: string): string[] {
  return [...log.matchAll(/"PUT (\/v2\/\S+\/manifests\/\S+) /g)].map((m) => m[1]!);
}

/** The first result of a run, built from `importPath`. */
function target(importPath: string) {
  return { importPath, rank: 0, report: LOG_ONLY };
}

function twoPlatformIndex() {
  const amd64 = scratchImage({ os: "linux", architecture: "amd64" });
  const arm64 = scratchImage({ os: "linux", architecture: "arm64" });
  const children = [amd64, arm64].map((image) => ({
    image,
    descriptor: {
      mediaType: image.mediaType,
      size: image.manifestBytes.length,
      digest: image.digest,
      platform: { os: "linux", architecture: image.config.architecture },
    },
  }));
  const index = makeIndex({
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: children.map((c) => c.descriptor),
  }, children);
  return { amd64, arm64, index };
}

Deno.test("children pushed ahead are not pushed again by the index's publish", async () => {
  await using registry = await startRegistry();
  const client = clientFor(registry);
  const logged: string[] = [];
  using _sink = { [Symbol.dispose]: setLogSink((line) => logged.push(line)) };
  try {
    const publisher = new RegistryPublisher({
      client,
      baseRepo: `${registry.host}/ahead`,
      namer: (base, ip) => `${base}/${ip.split("/").pop()}`,
      tags: ["latest"],
      tagOnly: false,
      insecure: false,
      jobs: 2,
    });
    const { amd64, arm64, index } = twoPlatformIndex();
    const repo = parseRepository(`${registry.host}/ahead/app`);
    equal(await publisher.publish({ kind: "child", image: amd64 }, target("example.com/app")), "");
    equal((await client.headManifest(repo, amd64.digest))?.digest, amd64.digest, "pushed ahead");
    equal(await client.headManifest(repo, arm64.digest), undefined, "not yet");
    const before = registry.logs().length;
    const ref = await publisher.publish(
      { kind: "result", result: index },
      target("ko://example.com/app"),
    );
    match(ref, new RegExp(`/ahead/app@${index.digest}$`));
    // The last request publish makes is the PUT of the tag: wait until the registry logs it.
    const puts = await waitFor("the registry to log the PUT of the tag", () => {
      const puts = manifestPuts(registry.logs().slice(before));
      return Promise.resolve(puts.some((p) => p.endsWith("/manifests/latest")) ? puts : undefined);
    });
    equal(puts.filter((p) => p.endsWith(amd64.digest)).length, 0, puts.join(", "));
    equal(puts.filter((p) => p.endsWith(arm64.digest)).length, 1, puts.join(", "));
    equal(logged.filter((l) => l.includes(`existing manifest: ${amd64.digest}`)).length, 0);
  } finally {
    client.close();
  }
});

Deno.test("a failure while pushing ahead is reported by publish", async () => {
  await using registry = await startRegistry();
  const client = clientFor(registry);
  try {
    const publisher = new RegistryPublisher({
      client,
      baseRepo: `${registry.host}/ahead`,
      namer: () => `${registry.host}/Not A Repository`,
      tags: ["latest"],
      tagOnly: false,
      insecure: false,
      jobs: 2,
    });
    const { amd64, index } = twoPlatformIndex();
    const ahead = publisher.publish({ kind: "child", image: amd64 }, target("example.com/app"));
    await rejects(ahead, /failed to parse/);
    await rejects(
      publisher.publish({ kind: "result", result: index }, target("example.com/app")),
      /failed to parse/,
    );
  } finally {
    client.close();
  }
});

Deno.test("every tag after the first is logged as ko logs it: Tagging <name>:<tag>", async () => {
  await using registry = await startRegistry();
  const client = clientFor(registry);
  const logged: string[] = [];
  using _sink = { [Symbol.dispose]: setLogSink((line) => logged.push(line)) };
  try {
    const publisher = new RegistryPublisher({
      client,
      baseRepo: `${registry.host}/tags`,
      namer: (base, ip) => `${base}/${ip.split("/").pop()}`,
      tags: ["v1", "v1.2", "latest"],
      tagOnly: false,
      insecure: false,
      jobs: 2,
    });
    const image = scratchImage({ os: "linux", architecture: "amd64" });
    await publisher.publish({ kind: "result", result: image }, target("ko://example.com/app"));
    const name = `${registry.host}/tags/app`;
    deepEqual(
      logged.map((l) => l.replace(/^\S+ \S+ /, "")).filter((l) => /^(Publishing|Tagging) /.test(l)),
      [`Publishing ${name}:v1`, `Tagging ${name}:v1.2`, `Tagging ${name}:latest`],
    );
  } finally {
    client.close();
  }
});
