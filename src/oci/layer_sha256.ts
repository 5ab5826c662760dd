/**
 * The sha256 hasher for layer-sized inputs (layer tars and blobs, Go binaries): always
 * `node:crypto`'s, much faster on large inputs than the plain-JavaScript {@link Sha256} of
 * digest.ts. `node:crypto` is imported on the first call, not with this module, because
 * loading it costs start-up time that a build hashing only small things should not pay.
 */
import type { Hash } from "node:crypto";
import type { Digest, Sha256Hasher } from "./digest.ts";

/** A new incremental `node:crypto` sha256 hasher. */
export async function layerSha256(): Promise<Sha256Hasher> {
  const { createHash } = await import("node:crypto");
  return new NodeSha256(createHash("sha256"));
}

class NodeSha256 implements Sha256Hasher {
  constructor(private readonly hash: Hash) {}

  update(bytes: Uint8Array): this {
    this.hash.update(bytes);
    return this;
  }

  digest(): Digest {
    return `sha256:${this.hash.digest("hex")}` as Digest;
  }
}
