/**
 * Content digests (`sha256:<64 lowercase hex>`). A `Digest` is a validated string; build one
 * with {@link parseDigest} or {@link sha256Digest}.
 *
 * Two ways to hash, each always the same code: {@link sha256Digest} and {@link Sha256} for
 * small inputs (manifests, configs, cache keys) in plain JavaScript (src/util/hash.ts), and
 * layer_sha256.ts for layer-sized streams on `node:crypto`.
 */
import { KoError } from "../util/errors.ts";
import { type HashInput, sha256, Sha256State, toHex } from "../util/hash.ts";

/** A validated `algorithm:hex` digest string. */
export type Digest = string & { readonly __digest: unique symbol };

const HEX: Record<string, number> = { sha256: 64, sha512: 128 };
const DIGEST_RE = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** Parses and validates a digest; throws a KoError naming the bad value. */
export function parseDigest(value: string): Digest {
  const m = DIGEST_RE.exec(value);
  if (!m) throw new KoError(`invalid digest "${value}": expected "sha256:<64 hex characters>"`);
  const [, alg, hex] = m as unknown as [string, string, string];
  const len = HEX[alg];
  if (len === undefined) {
    throw new KoError(`invalid digest "${value}": unsupported algorithm "${alg}"`);
  }
  if (hex.length !== len || !/^[a-f0-9]+$/.test(hex)) {
    throw new KoError(
      `invalid digest "${value}": ${alg} needs ${len} lowercase hex characters`,
    );
  }
  return value as Digest;
}

/** Whether a string is a valid digest. */
export function isDigest(value: string): value is Digest {
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}

/** The hex part of a digest (`sha256:abc…` → `abc…`). */
export function digestHex(d: Digest | string): string {
  const i = d.indexOf(":");
  return i < 0 ? d : d.slice(i + 1);
}

/** The algorithm part of a digest. */
export function digestAlgorithm(d: Digest | string): string {
  const i = d.indexOf(":");
  return i < 0 ? "" : d.slice(0, i);
}

/** The sha256 digest of some bytes (a string is hashed as UTF-8). */
export function sha256Digest(bytes: HashInput): Digest {
  return `sha256:${sha256Hex(bytes)}` as Digest;
}

/** The lowercase hex sha256 of some bytes (a string is hashed as UTF-8). */
export function sha256Hex(bytes: HashInput): string {
  return toHex(sha256(bytes));
}

/** A sha256 hasher fed piece by piece that yields a Digest. */
export interface Sha256Hasher {
  /** Feeds bytes. */
  update(bytes: Uint8Array): this;
  /** Finishes and returns the digest; the hasher can't be used afterwards. */
  digest(): Digest;
}

/** An incremental sha256 hasher (@noble/hashes) for small inputs, such as a tiny layer. */
export class Sha256 implements Sha256Hasher {
  readonly #state = new Sha256State();
  /** Feeds bytes. */
  update(bytes: Uint8Array): this {
    this.#state.update(bytes);
    return this;
  }
  /** Finishes and returns the digest; the hasher can't be used afterwards. */
  digest(): Digest {
    return `sha256:${toHex(this.#state.digest())}` as Digest;
  }
}
