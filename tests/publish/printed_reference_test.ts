import { equal } from "node:assert/strict";
import { noopReference, registryReference } from "../../src/publish/printed_reference.ts";
import { stripTagAndDigest } from "../../src/publish/recording_publisher.ts";
import type { Digest } from "../../src/oci/digest.ts";

const D = `sha256:${"a".repeat(64)}` as Digest;

Deno.test("registryReference prints a digest, the tag only when it is the single non-latest one", () => {
  equal(registryReference("r/app", ["latest"], D, false), `r/app@${D}`);
  equal(registryReference("r/app", ["v1"], D, false), `r/app:v1@${D}`);
  equal(registryReference("r/app", ["v1", "v2"], D, false), `r/app@${D}`);
  equal(registryReference("r/app", ["v1"], D, true), "r/app:v1");
});

Deno.test("noopReference always prints the first tag, even latest", () => {
  equal(noopReference("app", ["latest"], D, false), `app:latest@${D}`);
  equal(noopReference("app", ["test", "x"], D, false), `app:test@${D}`);
  equal(noopReference("app", [], D, false), `app@${D}`);
  equal(noopReference("app", ["latest"], D, true), "app:latest");
});

Deno.test("stripTagAndDigest keeps the registry port", () => {
  equal(stripTagAndDigest(`127.0.0.1:5000/a/b:v1@${D}`), "127.0.0.1:5000/a/b");
  equal(stripTagAndDigest(`127.0.0.1:5000/a/b@${D}`), "127.0.0.1:5000/a/b");
  equal(stripTagAndDigest("localhost:5000/a"), "localhost:5000/a");
});
