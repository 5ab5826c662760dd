/**
 * `SOURCE_DATE_EPOCH` and `KO_DATA_DATE_EPOCH`: integer Unix seconds that pin the times written
 * into images (config `created`, history, kodata mtimes) and the template `Date`/`Timestamp`.
 */
import { KoError } from "../util/errors.ts";

/**
 * Reads an epoch variable: undefined when unset or empty, else its seconds. A value that is
 * not a base-10 int64 fails with ko's message, e.g. `the environment variable
 * SOURCE_DATE_EPOCH should be the number of seconds since January 1st 1970, 00:00 UTC, got:
 * strconv.ParseInt: parsing "abc": invalid syntax`.
 *
 * @example
 * ```ts
 * parseEpochEnv("SOURCE_DATE_EPOCH", { SOURCE_DATE_EPOCH: "1700000000" }); // 1700000000
 * ```
 */
export function parseEpochEnv(
  name: string,
  env: Readonly<Record<string, string | undefined>>,
): number | undefined {
  const value = env[name] ?? "";
  if (value === "") return undefined;
  const expected = `the environment variable ${name} should be the number of seconds since ` +
    `January 1st 1970, 00:00 UTC, got: `;
  let why: string | undefined;
  if (!/^[+-]?[0-9]+$/.test(value)) why = "invalid syntax";
  else {
    const n = BigInt(value);
    if (n < -(1n << 63n) || n >= 1n << 63n) why = "value out of range";
    else if (n < BigInt(Number.MIN_SAFE_INTEGER) || n > BigInt(Number.MAX_SAFE_INTEGER)) {
      why = "value out of range";
    } else if (n < MIN_EPOCH || n > MAX_EPOCH) {
      // Image configs hold RFC 3339 times, which have four-digit years (Go's JSON encoder
      // refuses others, so ko fails too); such a time would otherwise be dropped or crash.
      throw new KoError(
        `${expected}${value}, which is outside the years 0 to 9999 an image time can hold ` +
          `(${MIN_EPOCH} to ${MAX_EPOCH})`,
      );
    } else return Number(n);
  }
  throw new KoError(
    `${expected}strconv.ParseInt: parsing ${JSON.stringify(value)}: ${why}`,
  );
}

/** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in Unix seconds. */
const MIN_EPOCH = -62167219200n;
const MAX_EPOCH = 253402300799n;

/**
 * RFC 3339 in UTC with second precision (`2024-02-03T04:05:06Z`), whatever `TZ` says. ko
 * formats the template `Date` in the local zone, which makes ldflags (and so the binary and the
 * image digest) depend on the build machine's time zone; this never does.
 */
export function formatRfc3339Utc(seconds: number): string {
  const d = new Date(seconds * 1000);
  const iso = d.toISOString();
  // toISOString uses ±YYYYYY for years outside 0–9999; Go would print the plain year.
  return iso.replace(/\.\d{3}Z$/, "Z");
}
