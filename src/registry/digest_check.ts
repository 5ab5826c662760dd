/**
 * Digests of content by algorithm, and checking what a registry sends against the digest it
 * was asked for. Whole bodies (manifests, configs) are checked by {@link checkDigest}; blob
 * streams (base layers on their way to a
 * layout, a tarball, a daemon or another registry) by {@link verifiedStream}, which hashes the
 * bytes as they pass, so a large layer is never held in memory, and errors the stream at its
 * end when the digest differs: whoever writes it (an atomic file, a tar stream, an upload)
 * fails and keeps nothing.
 */
import { type Digest, digestAlgorithm, sha256Hex } from "../oci/digest.ts";
import { layerSha256 } from "../oci/layer_sha256.ts";
import { sha512 as sha512Hasher } from "../deps/noble_hashes.ts";
import { sha512, toHex } from "../util/hash.ts";
import { KoError } from "../util/errors.ts";

/** The digest of bytes with the given algorithm (sha256 or sha512). */
export function digestWith(algorithm: string, bytes: Uint8Array): Digest {
  switch (algorithm) {
    case "sha256":
      return `sha256:${sha256Hex(bytes)}` as Digest;
    case "sha512":
      return `sha512:${toHex(sha512(bytes))}` as Digest;
    default:
      throw new KoError(`unsupported digest algorithm "${algorithm}": expected sha256 or sha512`);
  }
}

/**
 * The error for content that does not hash to what was asked for, worded like ggcr's:
 * `<context>: error verifying sha256 checksum: the registry sent content with digest <got>`.
 * `context` names the request and the reference (`GET host/repo blob sha256:…`).
 */
export function checksumError(context: string, expected: Digest, got: string): KoError {
  return new KoError(
    `${context}: error verifying ${digestAlgorithm(expected)} checksum: ` +
      `the registry sent content with digest ${got}`,
  );
}

/** Checks whole content against the digest it was asked for; throws a checksumError. */
export function checkDigest(context: string, expected: Digest, bytes: Uint8Array): void {
  const got = digestWith(digestAlgorithm(expected), bytes);
  if (got !== expected) throw checksumError(context, expected, got);
}

/** An incremental hasher for a digest's algorithm (sha256 on `node:crypto`, sha512 on noble). */
async function hasherFor(
  expected: Digest,
): Promise<{ update(b: Uint8Array): void; digest(): string }> {
  if (digestAlgorithm(expected) === "sha512") {
    const h = sha512Hasher.create();
    return { update: (b) => void h.update(b), digest: () => `sha512:${toHex(h.digest())}` };
  }
  const h = await layerSha256();
  return { update: (b) => void h.update(b), digest: () => h.digest() };
}

/**
 * `stream` as it comes, checked against `expected` (and `size`, when known): more bytes than
 * `size` fail at once, and at the end a short stream or a different digest errors the stream
 * instead of closing it, so nothing downstream can take it as complete.
 */
export function verifiedStream(
  stream: ReadableStream<Uint8Array>,
  expected: Digest,
  context: string,
  size?: number,
): ReadableStream<Uint8Array> {
  let hasher: { update(b: Uint8Array): void; digest(): string };
  let seen = 0;
  const sizeKnown = size !== undefined && size >= 0;
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async start() {
        hasher = await hasherFor(expected);
      },
      transform(chunk, controller) {
        seen += chunk.length;
        if (sizeKnown && seen > size) {
          throw new KoError(
            `${context}: error verifying size: the registry sent more than ${size} bytes`,
          );
        }
        hasher.update(chunk);
        controller.enqueue(chunk);
      },
      flush() {
        if (sizeKnown && seen !== size) {
          throw new KoError(
            `${context}: error verifying size: the registry sent ${seen} bytes, expected ${size}`,
          );
        }
        const got = hasher.digest();
        if (got !== expected) throw checksumError(context, expected, got);
      },
    }),
  );
}
