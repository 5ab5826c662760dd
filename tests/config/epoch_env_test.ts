import { equal, throws } from "node:assert/strict";
import { formatRfc3339Utc, parseEpochEnv } from "../../src/config/epoch_env.ts";
import { KoError } from "../../src/util/errors.ts";

Deno.test("parseEpochEnv reads integer seconds and treats unset or empty as absent", () => {
  equal(parseEpochEnv("SOURCE_DATE_EPOCH", { SOURCE_DATE_EPOCH: "1700000000" }), 1700000000);
  equal(parseEpochEnv("SOURCE_DATE_EPOCH", { SOURCE_DATE_EPOCH: "0" }), 0);
  equal(parseEpochEnv("SOURCE_DATE_EPOCH", { SOURCE_DATE_EPOCH: "-5" }), -5);
  equal(parseEpochEnv("KO_DATA_DATE_EPOCH", { KO_DATA_DATE_EPOCH: "+7" }), 7);
  equal(parseEpochEnv("SOURCE_DATE_EPOCH", {}), undefined);
  equal(parseEpochEnv("SOURCE_DATE_EPOCH", { SOURCE_DATE_EPOCH: "" }), undefined);
});

Deno.test("parseEpochEnv rejects non-integers with ko's message", () => {
  for (
    const [value, why] of [
      ["abc", "invalid syntax"],
      ["1.5", "invalid syntax"],
      [" 1", "invalid syntax"],
      ["99999999999999999999", "value out of range"],
    ]
  ) {
    throws(
      () => parseEpochEnv("KO_DATA_DATE_EPOCH", { KO_DATA_DATE_EPOCH: value }),
      (e: unknown) =>
        e instanceof KoError &&
        e.message ===
          "the environment variable KO_DATA_DATE_EPOCH should be the number of seconds since " +
            `January 1st 1970, 00:00 UTC, got: strconv.ParseInt: parsing ${
              JSON.stringify(value)
            }: ${why}`,
    );
  }
});

Deno.test("formatRfc3339Utc prints RFC 3339 in UTC with second precision", () => {
  equal(formatRfc3339Utc(0), "1970-01-01T00:00:00Z");
  equal(formatRfc3339Utc(1706933106), "2024-02-03T04:05:06Z");
  equal(formatRfc3339Utc(-62135596800), "0001-01-01T00:00:00Z");
});

Deno.test("formatRfc3339Utc does not depend on TZ (checked in subprocesses)", async () => {
  const module = new URL("../../src/config/epoch_env.ts", import.meta.url).href;
  const code = `import { formatRfc3339Utc } from ${JSON.stringify(module)};
console.log(formatRfc3339Utc(1706933106), new Date(0).getTimezoneOffset());`;
  const outputs: string[] = [];
  for (const tz of ["UTC", "Asia/Tokyo", "America/Los_Angeles"]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-config", code],
      env: { TZ: tz },
      stdout: "piped",
      stderr: "piped",
    }).output();
    equal(out.success, true, new TextDecoder().decode(out.stderr));
    outputs.push(new TextDecoder().decode(out.stdout).trim());
  }
  // The zone really changed (offsets differ) while the formatted date did not.
  equal(outputs[0], "2024-02-03T04:05:06Z 0");
  equal(outputs[1], "2024-02-03T04:05:06Z -540");
  equal(outputs[2], "2024-02-03T04:05:06Z 480");
});

Deno.test("parseEpochEnv rejects times outside the years 0 to 9999 an image config can hold", () => {
  equal(parseEpochEnv("SOURCE_DATE_EPOCH", { SOURCE_DATE_EPOCH: "253402300799" }), 253402300799);
  equal(parseEpochEnv("SOURCE_DATE_EPOCH", { SOURCE_DATE_EPOCH: "-62167219200" }), -62167219200);
  equal(formatRfc3339Utc(253402300799), "9999-12-31T23:59:59Z");
  equal(formatRfc3339Utc(-62167219200), "0000-01-01T00:00:00Z");
  // Before: 300000000000 (year 11476) was silently dropped from the config, and 99999999999999
  // failed with the bare "Invalid time value" of a JavaScript Date.
  for (const value of ["253402300800", "300000000000", "99999999999999", "-62167219201"]) {
    for (const name of ["SOURCE_DATE_EPOCH", "KO_DATA_DATE_EPOCH"]) {
      throws(
        () => parseEpochEnv(name, { [name]: value }),
        (e: unknown) =>
          e instanceof KoError &&
          e.message ===
            `the environment variable ${name} should be the number of seconds since ` +
              `January 1st 1970, 00:00 UTC, got: ${value}, which is outside the years 0 to ` +
              "9999 an image time can hold (-62167219200 to 253402300799)",
      );
    }
  }
});
