import { equal, match } from "node:assert/strict";
import { debuggingSupported, debuggingUnsupportedMessage } from "../../src/build/delve.ts";

Deno.test("--debug serves linux/amd64 and linux/arm64 only, as ko", () => {
  const cases: [string, string, string | undefined, boolean][] = [
    ["linux", "amd64", undefined, true],
    ["linux", "amd64", "v3", true],
    ["linux", "arm64", undefined, true],
    ["linux", "arm", "v7", false],
    ["linux", "s390x", undefined, false],
    ["windows", "amd64", undefined, false],
    ["darwin", "arm64", undefined, false],
  ];
  for (const [os, architecture, variant, want] of cases) {
    const platform = { os, architecture, ...(variant ? { variant } : {}) };
    equal(debuggingSupported(platform), want, JSON.stringify(platform));
  }
  match(
    debuggingUnsupportedMessage({ os: "linux", architecture: "arm", variant: "v7" }),
    /^image for platform "linux\/arm\/v7" will be built without debugging enabled because debugging is not supported for that platform$/,
  );
});
