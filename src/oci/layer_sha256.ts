/**
 * The sha256 hasher for layer-sized inputs, on `node:crypto` (native code). Imported only
 * through `layerSha256()` in digest.ts, so that `node:crypto` is loaded when a layer is
 * hashed rather than at start-up.
 */
import { createHash, type Hash } from "node:crypto";
import type { Digest, Sha256Hasher } from "./digest.ts";

/** An incremental `node:crypto` sha256 hasher that yields a Digest. */
export class LayerSha256 implements Sha256Hasher {
  readonly #hash: Hash = createHash("sha256");
  /** Feeds bytes. */
  update(bytes: Uint8Array): this {
    this.#hash.update(bytes);
    return this;
  }
  /** Finishes and returns the digest; the hasher can't be used afterwards. */
  digest(): Digest {
    return `sha256:${this.#hash.digest("hex")}` as Digest;
  }
}
