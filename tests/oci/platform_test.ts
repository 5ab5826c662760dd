import { deepEqual, equal, throws } from "node:assert/strict";
import { KoError } from "../../src/util/errors.ts";
import type { Platform } from "../../src/oci/descriptor.ts";
import {
  assertPlatformMatches,
  defaultPlatforms,
  formatPlatform,
  formatPlatformSpec,
  goEnvForPlatform,
  parsePlatform,
  parsePlatformList,
  platformFromConfig,
  platformMatches,
  type PlatformSpec,
  resolvePlatformSpec,
} from "../../src/oci/platform.ts";

const PARSE: Array<[input: string, want: Platform]> = [
  ["linux", { os: "linux", architecture: "" }],
  ["linux/amd64", { os: "linux", architecture: "amd64" }],
  ["linux/arm/v7", { os: "linux", architecture: "arm", variant: "v7" }],
  ["  linux/arm64  ", { os: "linux", architecture: "arm64" }],
  [
    "windows/amd64:10.0.17763",
    { os: "windows", architecture: "amd64", "os.version": "10.0.17763" },
  ],
  [
    "windows/amd64/v3:10.0.20348.1",
    { os: "windows", architecture: "amd64", variant: "v3", "os.version": "10.0.20348.1" },
  ],
  ["linux:5.10", { os: "linux", architecture: "", "os.version": "5.10" }],
  ["linux/amd64:", { os: "linux", architecture: "amd64" }],
  ["linux//v7", { os: "linux", architecture: "", variant: "v7" }],
];

for (const [input, want] of PARSE) {
  Deno.test(`parsePlatform reads ${JSON.stringify(input)}`, () => {
    deepEqual(parsePlatform(input), want);
  });
}

const PARSE_ERRORS: Array<[input: string, message: string]> = [
  ["linux/arm/v7/extra", "too many slashes in platform spec: linux/arm/v7/extra"],
  ["a/b/c/d:1", "too many slashes in platform spec: a/b/c/d:1"],
  ["", 'invalid platform "": the os is empty; expected os[/arch[/variant]][:osversion]'],
  ["   ", 'invalid platform "   ": the os is empty'],
  ["/amd64", 'invalid platform "/amd64": the os is empty'],
  [":10.0", 'invalid platform ":10.0": the os is empty'],
  ["windows:1:2", 'invalid platform "windows:1:2": expected os[/arch[/variant]][:osversion]'],
];

for (const [input, message] of PARSE_ERRORS) {
  Deno.test(`parsePlatform rejects ${JSON.stringify(input)}`, () => {
    throws(() => parsePlatform(input), (e: unknown) => {
      equal(e instanceof KoError, true);
      equal((e as Error).message.startsWith(message), true, (e as Error).message);
      return true;
    });
  });
}

Deno.test("parsePlatformList splits a single entry on commas", () => {
  deepEqual(parsePlatformList(["linux/amd64,linux/arm64"]), {
    all: false,
    platforms: [{ os: "linux", architecture: "amd64" }, { os: "linux", architecture: "arm64" }],
  });
  deepEqual(parsePlatformList(["linux/amd64", "linux/arm/v7"]).platforms, [
    { os: "linux", architecture: "amd64" },
    { os: "linux", architecture: "arm", variant: "v7" },
  ]);
});

Deno.test("parsePlatformList keeps the order given", () => {
  deepEqual(
    parsePlatformList(["linux/arm64", "linux/amd64"]).platforms.map(formatPlatform),
    ["linux/arm64", "linux/amd64"],
  );
});

Deno.test("parsePlatformList treats all alone as everything", () => {
  deepEqual(parsePlatformList(["all"]), { all: true, platforms: [] });
  deepEqual(parsePlatformList([" all "]), { all: true, platforms: [] });
});

Deno.test("parsePlatformList rejects all mixed with specific platforms", () => {
  for (const list of [["all", "linux/amd64"], ["linux/amd64", "all"], ["all,linux/arm64"]]) {
    throws(() => parsePlatformList(list), {
      name: "KoError",
      message: "all or specific platforms should be used",
    });
  }
});

Deno.test("parsePlatformList reports the bad entry", () => {
  throws(() => parsePlatformList(["linux/amd64,a/b/c/d"]), {
    message: "too many slashes in platform spec: a/b/c/d",
  });
  throws(() => parsePlatformList(["linux/amd64,"]), /invalid platform "": the os is empty/);
});

Deno.test("parsePlatformList of nothing matches nothing", () => {
  const spec = parsePlatformList([]);
  deepEqual(spec, { all: false, platforms: [] });
  equal(platformMatches(spec, { os: "linux", architecture: "amd64" }), false);
});

const P = (s: string): Platform => parsePlatform(s);
const spec = (...values: string[]): PlatformSpec => parsePlatformList(values);

const MATCH: Array<[spec: string[], candidate: Platform | undefined, want: boolean]> = [
  // The examples of ko-behaviour 5.4.
  [["linux/arm64"], P("linux/arm64/v3"), true],
  [["linux/arm64/v4"], P("linux/arm64/v3"), false],
  [["linux"], P("windows/amd64"), false],
  [["windows/amd64:10.0.17763"], P("windows/amd64:10.0.17763.1234"), true],
  [["windows/amd64:10"], P("windows/amd64:10.0.17763.1234"), false],
  [["linux/amd64:10.0.17763"], P("linux/amd64:10.0.17763.1234"), false],
  // Field by field, empty spec fields are wildcards.
  [["linux/amd64"], P("linux/amd64"), true],
  [["linux/amd64"], P("linux/arm64"), false],
  [["linux"], P("linux/s390x"), true],
  [["linux/arm"], P("linux/arm/v6"), true],
  [["linux/arm/v7"], P("linux/arm/v7"), true],
  [["linux/arm/v7"], P("linux/arm"), false],
  [["linux/amd64"], P("linux/amd64:5.10"), true],
  [["linux/amd64:5.10"], P("linux/amd64:5.10"), true],
  [["linux/amd64:5.10"], P("linux/amd64"), false],
  [["linux/amd64", "linux/arm64"], P("linux/arm64"), true],
  [["linux/amd64,linux/arm64"], P("linux/arm64"), true],
  [["linux/amd64", "linux/arm64"], P("linux/ppc64le"), false],
  // Windows partial osversion: only X.Y.Z against X.Y.Z.B.
  [["windows/amd64:10.0.17763"], P("windows/amd64:10.0.20348.1234"), false],
  [["windows/amd64:10.0.17763.1"], P("windows/amd64:10.0.17763.1234"), false],
  [["windows/amd64:10.0.17763"], P("windows/amd64:10.0.17763"), true],
  [["windows/amd64:10.0.17763"], P("windows/amd64:10.0.17763.1.2"), false],
  [["windows/amd64:10.0.17763"], P("windows/amd64"), false],
  [["windows:10.0.17763"], P("windows/arm64:10.0.17763.99"), true],
  // unknown never matches, not even with all.
  [["all"], P("unknown/unknown"), false],
  [["all"], { os: "linux", architecture: "unknown" }, false],
  [["all"], { os: "unknown", architecture: "amd64" }, false],
  [["linux"], { os: "linux", architecture: "unknown" }, false],
  // all matches everything else, even a missing platform.
  [["all"], P("linux/amd64"), true],
  [["all"], P("windows/amd64:10.0.17763.1"), true],
  [["all"], undefined, true],
  // A missing platform never matches a specific list.
  [["linux/amd64"], undefined, false],
  [["linux"], undefined, false],
];

for (const [values, candidate, want] of MATCH) {
  const label = `${values.join(" ")} ${want ? "matches" : "does not match"} ${
    candidate ? formatPlatform(candidate) : "a missing platform"
  }`;
  Deno.test(`platformMatches: ${label}`, () => {
    equal(platformMatches(spec(...values), candidate), want);
  });
}

Deno.test("assertPlatformMatches gives ko's mismatch error", () => {
  assertPlatformMatches(spec("linux/amd64"), P("linux/amd64"));
  throws(() => assertPlatformMatches(spec("linux/amd64"), P("linux/arm64")), {
    name: "KoError",
    message: 'base image platform "linux/arm64" does not match desired platforms [linux/amd64]',
  });
  throws(() => assertPlatformMatches(spec("linux/amd64,linux/arm/v7"), P("linux/s390x")), {
    message:
      'base image platform "linux/s390x" does not match desired platforms [linux/amd64 linux/arm/v7]',
  });
  throws(() => assertPlatformMatches(spec("all"), P("unknown/unknown")), {
    message: 'base image platform "unknown/unknown" does not match desired platforms [all]',
  });
});

Deno.test("assertPlatformMatches says when only the base's uncompared variant is in the way", () => {
  // ko compares a single-image base without its variant: an arm/v7 base is "linux/arm".
  throws(() => assertPlatformMatches(spec("linux/arm/v7"), P("linux/arm"), "v7"), {
    name: "KoError",
    message: 'base image platform "linux/arm" does not match desired platforms [linux/arm/v7] ' +
      '(the base\'s variant "v7" is not compared, as in ko: ask for linux/arm to build on this base)',
  });
  // Another variant, or another architecture: ko's error alone.
  throws(() => assertPlatformMatches(spec("linux/arm/v6"), P("linux/arm"), "v7"), {
    message: 'base image platform "linux/arm" does not match desired platforms [linux/arm/v6]',
  });
  throws(() => assertPlatformMatches(spec("linux/arm64"), P("linux/arm"), "v7"), {
    message: 'base image platform "linux/arm" does not match desired platforms [linux/arm64]',
  });
  // What matched before still matches.
  assertPlatformMatches(spec("linux/arm"), P("linux/arm"), "v7");
  assertPlatformMatches(spec("all"), P("linux/arm"), "v7");
});

Deno.test("formatPlatform leaves out empty fields like ggcr's String()", () => {
  equal(formatPlatform(P("linux")), "linux");
  equal(formatPlatform(P("linux/arm/v7")), "linux/arm/v7");
  equal(formatPlatform(P("windows/amd64:10.0.20348.1")), "windows/amd64:10.0.20348.1");
  equal(formatPlatform({ os: "", architecture: "amd64" }), "");
  equal(formatPlatformSpec(spec("linux", "linux/arm64")), "[linux linux/arm64]");
});

Deno.test("platformFromConfig defaults os and arch and ignores the variant", () => {
  deepEqual(platformFromConfig({}), { os: "linux", architecture: "amd64" });
  deepEqual(platformFromConfig({ os: "", architecture: "" }), {
    os: "linux",
    architecture: "amd64",
  });
  deepEqual(
    platformFromConfig({ os: "linux", architecture: "arm", variant: "v7" } as {
      os: string;
      architecture: string;
    }),
    { os: "linux", architecture: "arm" },
  );
  deepEqual(
    platformFromConfig({ os: "windows", architecture: "amd64", "os.version": "10.0.20348.1" }),
    { os: "windows", architecture: "amd64", "os.version": "10.0.20348.1" },
  );
});

Deno.test("a single-image arm base never matches --platform=linux/arm/v7", () => {
  const p = platformFromConfig({ os: "linux", architecture: "arm", variant: "v7" } as never);
  equal(platformMatches(spec("linux/arm/v7"), p), false);
  equal(platformMatches(spec("linux/arm"), p), true);
});

const GOENV: Array<[platform: string, want: Record<string, string>]> = [
  ["linux/amd64", { GOOS: "linux", GOARCH: "amd64" }],
  ["linux/amd64/v3", { GOOS: "linux", GOARCH: "amd64", GOAMD64: "v3" }],
  ["linux/amd64/v2", { GOOS: "linux", GOARCH: "amd64", GOAMD64: "v2" }],
  ["linux/arm/v7", { GOOS: "linux", GOARCH: "arm", GOARM: "7" }],
  ["linux/arm/v6", { GOOS: "linux", GOARCH: "arm", GOARM: "6" }],
  ["linux/arm/v5", { GOOS: "linux", GOARCH: "arm", GOARM: "5" }],
  ["linux/arm/v8", { GOOS: "linux", GOARCH: "arm", GOARM: "7" }],
  ["linux/arm/v4", { GOOS: "linux", GOARCH: "arm" }],
  ["linux/arm", { GOOS: "linux", GOARCH: "arm" }],
  ["linux/arm64/v8", { GOOS: "linux", GOARCH: "arm64" }],
  ["linux/arm64/v3", { GOOS: "linux", GOARCH: "arm64" }],
  ["linux/s390x/x", { GOOS: "linux", GOARCH: "s390x" }],
  ["windows/amd64:10.0.17763", { GOOS: "windows", GOARCH: "amd64" }],
];

for (const [platform, want] of GOENV) {
  Deno.test(`goEnvForPlatform for ${platform}`, () => {
    deepEqual(goEnvForPlatform(P(platform)), want);
  });
}

Deno.test("goEnvForPlatform rejects arm variants that are not v<number>", () => {
  for (const variant of ["7", "vX", "v", "v7a", "armv7"]) {
    throws(() => goEnvForPlatform({ os: "linux", architecture: "arm", variant }), {
      name: "KoError",
      message: `goarm failure: arm variant "${variant}" is not of the form v<number> (e.g. v7)`,
    });
  }
});

const DEFAULTS: Array<[env: Record<string, string>, want: string]> = [
  [{}, "linux/amd64"],
  [{ GOOS: "linux", GOARCH: "arm64" }, "linux/arm64"],
  [{ GOOS: "darwin" }, "linux/amd64"],
  [{ GOARCH: "arm64" }, "linux/amd64"],
  [{ GOOS: "", GOARCH: "" }, "linux/amd64"],
  [{ GOOS: "linux", GOARCH: "arm", GOARM: "7" }, "linux/arm/v7"],
  [{ GOOS: "linux", GOARCH: "arm64", GOARM: "7" }, "linux/arm64/v7"],
  [{ GOOS: "linux", GOARCH: "amd64", GOARM: "7" }, "linux/amd64"],
  [{ GOOS: "linux", GOARCH: "arm", GOARM: "" }, "linux/arm"],
  // ko's quirk: GOARM is appended to the fallback when only GOARCH is set.
  [{ GOARCH: "arm", GOARM: "6" }, "linux/amd64/v6"],
  [{ GOOS: "windows", GOARCH: "amd64" }, "windows/amd64"],
];

for (const [env, want] of DEFAULTS) {
  Deno.test(`defaultPlatforms with ${JSON.stringify(env)} is ${want}`, () => {
    deepEqual(defaultPlatforms(env), [want]);
  });
}

Deno.test("resolvePlatformSpec prefers --platform, then defaultPlatforms, then the env", () => {
  const env = {};
  deepEqual(
    resolvePlatformSpec({ flag: ["linux/arm64"], config: ["linux/s390x"], env }).platforms,
    [{ os: "linux", architecture: "arm64" }],
  );
  deepEqual(
    resolvePlatformSpec({ flag: [], config: ["linux/s390x"], env }).platforms,
    [{ os: "linux", architecture: "s390x" }],
  );
  deepEqual(resolvePlatformSpec({ config: ["all"], env }), { all: true, platforms: [] });
  deepEqual(resolvePlatformSpec({ env }).platforms, [{ os: "linux", architecture: "amd64" }]);
  deepEqual(
    resolvePlatformSpec({ flag: [], config: [], env: { GOOS: "linux", GOARCH: "arm", GOARM: "7" } })
      .platforms,
    [{ os: "linux", architecture: "arm", variant: "v7" }],
  );
});

Deno.test("resolvePlatformSpec splits a single defaultPlatforms entry on commas", () => {
  deepEqual(
    resolvePlatformSpec({ config: ["linux/amd64,linux/arm64"], env: {} }).platforms.map(
      formatPlatform,
    ),
    ["linux/amd64", "linux/arm64"],
  );
});

Deno.test("resolvePlatformSpec refuses a platform list combined with GOOS, GOARCH or GOARM", () => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ GOOS: "linux" }, 'GOOS="linux"'],
    [{ GOARCH: "arm64" }, 'GOARCH="arm64"'],
    [{ GOARM: "7" }, 'GOARM="7"'],
    [{ GOOS: "" }, 'GOOS=""'],
    [{ GOARCH: "amd64", GOOS: "darwin" }, 'GOOS="darwin"'],
    [{ GOARM: "", GOARCH: "" }, 'GOARCH=""'],
  ];
  for (const [env, shown] of cases) {
    for (const sources of [{ flag: ["linux/amd64"], env }, { config: ["all"], env }]) {
      throws(() => resolvePlatformSpec(sources), {
        name: "KoError",
        message: "cannot use --platform or defaultPlatforms in .ko.yaml or env " +
          `KO_DEFAULTPLATFORMS combined with ${shown}`,
      });
    }
  }
});

Deno.test("resolvePlatformSpec ignores unrelated env and undefined values", () => {
  const env = { GOOS: undefined, GOFLAGS: "-mod=mod", CGO_ENABLED: "1" };
  deepEqual(resolvePlatformSpec({ flag: ["linux/arm64"], env }).platforms, [
    { os: "linux", architecture: "arm64" },
  ]);
});

Deno.test("resolvePlatformSpec reports all mixed with other platforms", () => {
  throws(
    () => resolvePlatformSpec({ flag: ["all", "linux/amd64"], env: {} }),
    /^KoError: all or specific platforms should be used$/,
  );
});
