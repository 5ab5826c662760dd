/**
 * The sha256 hashers for layer-sized inputs (layer tars and blobs, Go binaries), much faster
 * on large inputs than the plain-JavaScript {@link Sha256} of digest.ts: `node:crypto`'s,
 * incremental, imported on the first call (not with this module: loading it costs more than
 * hashing a few megabytes), and {@link HeldSha256} for bytes held in memory anyway, which
 * WebCrypto digests in one call at the end without loading anything.
 */
import type { Hash } from "node:crypto";
import { toHex } from "../util/hash.ts";
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

/**
 * A sha256 of bytes that stay in memory until it is taken (the caller must not reuse them):
 * they are digested by WebCrypto in one call, so nothing is loaded for it.
 */
export class HeldSha256 {
  readonly #chunks: Uint8Array[] = [];
  #size = 0;

  update(bytes: Uint8Array): this {
    this.#chunks.push(bytes);
    this.#size += bytes.length;
    return this;
  }

  async digest(): Promise<Digest> {
    const whole = this.#chunks.length === 1 ? this.#chunks[0]! : new Uint8Array(this.#size);
    if (this.#chunks.length !== 1) {
      let at = 0;
      for (const c of this.#chunks) {
        whole.set(c, at);
        at += c.length;
      }
    }
    const sum = new Uint8Array(await crypto.subtle.digest("SHA-256", whole as BufferSource));
    return `sha256:${toHex(sum)}` as Digest;
  }
}
