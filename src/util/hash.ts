/**
 * Hash functions (SHA-256, SHA-512, SHA-1, MD5) on @noble/hashes: synchronous and in plain
 * JavaScript, so hashing the small things of a build (manifests, configs, cache keys, image
 * names, SBOM identifiers) loads no `node:` module. A string is hashed as its UTF-8 bytes.
 * Layer-sized inputs use the `node:crypto` hasher of src/oci/layer_sha256.ts instead.
 */
import {
  bytesToHex,
  md5 as nobleMd5,
  sha1 as nobleSha1,
  sha256 as nobleSha256,
  sha512 as nobleSha512,
} from "../deps/noble_hashes.ts";

/** What can be hashed: bytes, or a string taken as UTF-8. */
export type HashInput = Uint8Array | string;

const encoder = new TextEncoder();

function bytesOf(input: HashInput): Uint8Array {
  return typeof input === "string" ? encoder.encode(input) : input;
}

/** The SHA-256 of `input` (32 bytes). */
export function sha256(input: HashInput): Uint8Array {
  return nobleSha256(bytesOf(input));
}

/** The SHA-512 of `input` (64 bytes); registries may name manifests by it. */
export function sha512(input: HashInput): Uint8Array {
  return nobleSha512(bytesOf(input));
}

/** The SHA-1 of `input` (20 bytes); for name-based UUIDs, not for security. */
export function sha1(input: HashInput): Uint8Array {
  return nobleSha1(bytesOf(input));
}

/** The MD5 of `input` (16 bytes); for ko's image names, not for security. */
export function md5(input: HashInput): Uint8Array {
  return nobleMd5(bytesOf(input));
}

/** Bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

/**
 * An incremental SHA-256: feed pieces with {@link update}, then {@link digest} once; the
 * result is the same however the input is split.
 *
 * @example
 * ```ts
 * const h = new Sha256State();
 * h.update(a).update(b);
 * const hex = toHex(h.digest());
 * ```
 */
export class Sha256State {
  readonly #hash = nobleSha256.create();
  #done = false;

  /** Feeds bytes; throws after {@link digest}. */
  update(bytes: Uint8Array): this {
    if (this.#done) throw new Error("Sha256State: update after digest");
    this.#hash.update(bytes);
    return this;
  }

  /** Finishes and returns the 32-byte digest; throws if called twice. */
  digest(): Uint8Array {
    if (this.#done) throw new Error("Sha256State: digest called twice");
    this.#done = true;
    return this.#hash.digest();
  }
}
