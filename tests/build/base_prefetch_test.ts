/**
 * BaseImageResolver.prefetchDefault against a real registry: the default base is fetched
 * ahead of the build (so its round trips overlap `go list`), once, and only when it is sure to
 * be used; a failed prefetch is reported by the build that needs the base.
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import { LOG_ONLY } from "../../src/progress/reporter.ts";
import { BaseImageResolver } from "../../src/build/base_image.ts";
import type { RegistryReader } from "../../src/image/remote.ts";
import { RegistryClient } from "../../src/registry/client.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { startRegistry } from "../helpers/registry_server.ts";

Deno.test("the default base is prefetched once, and only when every build uses it", async (t) => {
  await using registry = await startRegistry();
  const bases = await pushFixtureBases(registry);
  const client = new RegistryClient({ keychain: () => Promise.resolve({}) });
  const calls: string[] = [];
  /** The manifest requests made, settled or not. */
  const manifestRequests: Promise<unknown>[] = [];
  const reader: RegistryReader = {
    getManifest: (r, ref, s) => {
      calls.push(`manifest ${r.repository} ${ref}`);
      const request = client.getManifest(r, ref, s);
      manifestRequests.push(request.catch(() => {}));
      return request;
    },
    getBlob: (r, d, s) => client.getBlob(r, d, s),
    getBlobBytes: (r, d, s) => {
      calls.push(`blob ${r.repository}`);
      return client.getBlobBytes(r, d, s);
    },
  };
  try {
    await t.step("fetched before any build asks, reused by the build", async () => {
      calls.length = 0;
      const resolver = new BaseImageResolver(reader, { defaultBaseImage: bases.ociImage.ref });
      resolver.prefetchDefault();
      deepEqual(calls, ["manifest fixtures/oci-image latest"]);
      const base = await resolver.resolve("example.com/app", LOG_ONLY);
      equal(base.kind === "remote" && base.digest, bases.ociImage.digest);
      deepEqual(calls, ["manifest fixtures/oci-image latest", "blob fixtures/oci-image"]);
      resolver.prefetchDefault();
      equal(calls.length, 2);
    });
    await t.step("not with overrides, nor for scratch", () => {
      calls.length = 0;
      new BaseImageResolver(reader, {
        defaultBaseImage: bases.ociImage.ref,
        baseImageOverrides: { "example.com/app": bases.dockerImage.ref },
      }).prefetchDefault();
      new BaseImageResolver(reader, { defaultBaseImage: "scratch" }).prefetchDefault();
      // A prefetch asks for the manifest before prefetchDefault returns (the step above).
      deepEqual(calls, []);
    });
    await t.step("a failed prefetch is reported by the build that needs the base", async () => {
      const missing = `${registry.host}/fixtures/nothing:latest`;
      const resolver = new BaseImageResolver(reader, { defaultBaseImage: missing });
      manifestRequests.length = 0;
      resolver.prefetchDefault();
      equal(manifestRequests.length, 1);
      await Promise.all(manifestRequests); // the prefetch has failed
      await rejects(
        resolver.resolve("example.com/app", LOG_ONLY),
        /fetching base image: pulling .*nothing:latest: /,
      );
    });
  } finally {
    client.close();
  }
});
