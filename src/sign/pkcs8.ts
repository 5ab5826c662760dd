/**
 * Which algorithm a PKCS #8 private key (`-----BEGIN PRIVATE KEY-----`) is for, read from its
 * DER `AlgorithmIdentifier`, so an unsupported key is named (RSA, P-384…) instead of failing
 * with WebCrypto's "malformed parameters". Only the outer structure is read here; the key
 * itself is imported by WebCrypto.
 */
import { KoError } from "../util/errors.ts";

/** The kinds of key ko signs with. */
export type KeyAlgorithm = "ecdsa-p256" | "ed25519";

const OID_NAMES: Record<string, string> = {
  "1.2.840.10045.2.1": "EC",
  "1.2.840.10045.3.1.7": "P-256",
  "1.3.132.0.34": "P-384",
  "1.3.132.0.35": "P-521",
  "1.3.132.0.10": "secp256k1",
  "1.3.101.112": "Ed25519",
  "1.3.101.113": "Ed448",
  "1.3.101.110": "X25519",
  "1.2.840.113549.1.1.1": "RSA",
  "1.2.840.113549.1.1.10": "RSA-PSS",
  "1.2.840.10040.4.1": "DSA",
};

/**
 * The algorithm of a PKCS #8 key; throws a KoError naming any other (`RSA`, `EC P-384`…) or a
 * structure that is not PKCS #8.
 */
export function pkcs8Algorithm(der: Uint8Array): KeyAlgorithm {
  const r = new DerReader(der);
  const info = r.enter(0x30);
  info.skip(0x02); // version
  const alg = info.enter(0x30);
  const oid = alg.oid();
  const param = alg.done() ? undefined : alg.peek() === 0x06 ? alg.oid() : undefined;
  if (oid === "1.3.101.112") return "ed25519";
  if (oid === "1.2.840.10045.2.1" && param === "1.2.840.10045.3.1.7") return "ecdsa-p256";
  const name = OID_NAMES[oid] ?? `OID ${oid}`;
  const curve = param === undefined ? "" : ` ${OID_NAMES[param] ?? `curve ${param}`}`;
  throw new KoError(
    `unsupported key type ${name}${curve}: ko signs with ECDSA P-256 or Ed25519 keys`,
  );
}

/** A cursor over DER TLVs, enough for the outer layers of PKCS #8. */
class DerReader {
  #pos = 0;
  constructor(private readonly bytes: Uint8Array) {}

  done(): boolean {
    return this.#pos >= this.bytes.length;
  }

  peek(): number {
    return this.bytes[this.#pos] ?? -1;
  }

  /** The contents of the next element, which must have `tag`. */
  enter(tag: number): DerReader {
    return new DerReader(this.#next(tag));
  }

  skip(tag: number): void {
    this.#next(tag);
  }

  /** The next element as a dotted OBJECT IDENTIFIER. */
  oid(): string {
    const b = this.#next(0x06);
    if (b.length === 0) throw notPkcs8();
    const parts = [Math.floor(b[0]! / 40), b[0]! % 40];
    let value = 0;
    for (const byte of b.subarray(1)) {
      value = value * 128 + (byte & 0x7f);
      if (!(byte & 0x80)) {
        parts.push(value);
        value = 0;
      }
    }
    return parts.join(".");
  }

  #next(tag: number): Uint8Array {
    const b = this.bytes;
    if (b[this.#pos] !== tag) throw notPkcs8();
    let len = b[this.#pos + 1];
    let start = this.#pos + 2;
    if (len === undefined) throw notPkcs8();
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 3) throw notPkcs8();
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (b[start + i] ?? 0);
      start += n;
    }
    if (start + len > b.length) throw notPkcs8();
    this.#pos = start + len;
    return b.subarray(start, start + len);
  }
}

function notPkcs8(): KoError {
  return new KoError("not a PKCS #8 private key (malformed DER)");
}
