import { deepEqual, equal, rejects, throws } from "node:assert/strict";
import {
  goVersionM,
  h1ToSha256Hex,
  parseBuildInfo,
  parseGoVersionM,
} from "../../src/go/build_info.ts";
import { goBinaryPath } from "../../src/go/go_command.ts";
import { readBuildInfo, runGoVersionM } from "../../src/go/read_build_info.ts";
import { KoError } from "../../src/util/errors.ts";
import { buildFixtureApp } from "./fixture_app.ts";
import { goCheck } from "./gocheck.ts";
import type { BuildInfo } from "../../src/go/build_info.ts";

const GOLDEN_TEXT = await Deno.readTextFile(
  new URL("../testdata/sbom/golden/app.go-version-m.txt", import.meta.url),
);

/** The value of a build setting of `info`, or undefined. */
function buildSetting(info: BuildInfo, key: string): string | undefined {
  return info.settings.find((s) => s.key === key)?.value;
}

Deno.test("readBuildInfo runs go version -m on a real binary and names it /ko-app/<name>", async () => {
  const built = await buildFixtureApp();
  try {
    const bi = await readBuildInfo(built.binary, "/ko-app/app");
    const firstLine = bi.text.split("\n")[0]!;
    equal(firstLine.startsWith("/ko-app/app: go1."), true, firstLine);
    equal(bi.text.includes(built.binary), false);
    equal(bi.goVersion, firstLine.slice("/ko-app/app: ".length));
    equal(bi.path, "example.com/sbomtest/App");
    deepEqual(bi.main, { path: "example.com/sbomtest/App", version: "(devel)", sum: "" });
    deepEqual(bi.deps, [
      {
        path: "example.com/Org/Upper/v2",
        version: "v2.1.0",
        sum: "",
        replace: { path: "./upper", version: "(devel)", sum: "" },
      },
      {
        path: "example.com/dep",
        version: "v0.0.0",
        sum: "",
        replace: { path: "./dep", version: "(devel)", sum: "" },
      },
      {
        path: "example.com/lib",
        version: "v1.0.0",
        sum: "h1:0HttB8Ap1QXF9FAiZWWoU9VnFTxDHvh6zLuMoTelsUA=",
      },
    ]);
    equal(buildSetting(bi, "-trimpath"), "true");
    equal(buildSetting(bi, "CGO_ENABLED"), "0");
    equal(buildSetting(bi, "GOOS"), "linux");
    equal(buildSetting(bi, "GOARCH"), "amd64");
    equal(buildSetting(bi, "vcs.revision"), undefined);
  } finally {
    await built.cleanup();
  }
});

Deno.test("runGoVersionM replaces only the first occurrence of the binary path", async () => {
  const built = await buildFixtureApp();
  try {
    // A go command that prints the path twice, to see which occurrence is replaced.
    const fakeGo = `${built.dir}/go`;
    await Deno.writeTextFile(fakeGo, `#!/bin/sh\necho "$3: go1.99"\necho "\tpath\t$3"\n`);
    await Deno.chmod(fakeGo, 0o755);
    const text = await runGoVersionM(built.binary, "/ko-app/$&x", { go: fakeGo });
    equal(text, `/ko-app/$&x: go1.99\n\tpath\t${built.binary}\n`);
  } finally {
    await built.cleanup();
  }
});

Deno.test("runGoVersionM reports a failing or missing go command", async () => {
  await rejects(
    runGoVersionM("/nonexistent/binary", "/ko-app/x", { go: "go" }),
    (e: unknown) =>
      e instanceof KoError && e.message === "go version -m /nonexistent/binary: exit status 1",
  );
  await rejects(
    runGoVersionM("/bin/true", "/ko-app/x", { go: "/nonexistent/go" }),
    (e: unknown) => e instanceof KoError && /"\/nonexistent\/go" not found/.test(e.message),
  );
});

Deno.test("goBinaryPath honours KO_GO_PATH and defaults to go", () => {
  equal(goBinaryPath({ KO_GO_PATH: "/opt/go/bin/go" }), "/opt/go/bin/go");
  equal(goBinaryPath({ KO_GO_PATH: "" }), "go");
  equal(goBinaryPath({}), "go");
});

Deno.test("parseGoVersionM reads modules, replacements and quoted build settings", () => {
  const bi = parseGoVersionM(GOLDEN_TEXT);
  equal(bi.goVersion, "go1.26.0");
  equal(bi.path, "example.com/app/cmd/app");
  deepEqual(bi.main, { path: "example.com/app", version: "(devel)", sum: "" });
  equal(bi.deps.length, 5);
  deepEqual(bi.deps[2], {
    path: "example.com/forked",
    version: "v1.0.0",
    sum: "",
    replace: {
      path: "example.com/fork",
      version: "v1.0.1",
      sum: "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    },
  });
  deepEqual(bi.deps[4], { path: "example.com/nosum", version: "v0.1.0+incompatible", sum: "" });
  equal(buildSetting(bi, "-ldflags"), "-s -w -X main.version=1.0 -X 'main.note=a&b<c>'");
  equal(buildSetting(bi, "GOARM"), "7");
  equal(buildSetting(bi, "vcs.modified"), "false");
  equal(bi.text, GOLDEN_TEXT);
});

Deno.test("parseGoVersionM treats input without a newline as empty build info", () => {
  for (const text of ["", "garbage without newline", "/ko-app/x: go1.22"]) {
    const bi = parseGoVersionM(text);
    deepEqual(bi.main, { path: "", version: "", sum: "" });
    deepEqual(bi.deps, []);
    deepEqual(bi.settings, []);
    equal(bi.text, text);
  }
  equal(parseGoVersionM("/ko-app/x: go1.22").goVersion, "go1.22");
});

Deno.test("parseGoVersionM drops CR line endings and leading spaces like bufio and TrimLeft", () => {
  const bi = parseGoVersionM("x: go1.2\r\n \t path\tp\r\n\u00a0mod\tm\tv1\r\n");
  equal(bi.path, "p");
  deepEqual(bi.main, { path: "m", version: "v1", sum: "" });
});

Deno.test("parseBuildInfo ignores a last line without newline, as Go does", () => {
  const bi = parseBuildInfo("path\ta\nmod\tm\tv1");
  equal(bi.path, "a");
  equal(bi.main.path, "");
});

Deno.test("parseBuildInfo reads quoted keys and raw-string values", () => {
  const bi = parseBuildInfo(
    'build\t"we ird"=`a "b"`\nbuild\tK=\nbuild\t-tags="x\\ty\\u00e9\\x41\\101"\n',
  );
  deepEqual(bi.settings, [
    { key: "we ird", value: 'a "b"' },
    { key: "K", value: "" },
    { key: "-tags", value: "x\tyéAA" },
  ]);
});

Deno.test("parseBuildInfo rejects malformed lines with Go's messages and line numbers", () => {
  const cases: [string, string][] = [
    ["mod\ta\n", "line 1: expected 2 or 3 columns; got 1"],
    ["path\tp\ndep\ta\tb\tc\td\n", "line 2: expected 2 or 3 columns; got 4"],
    ["=>\ta\tb\tc\n", "line 1: replacement with no module on previous line"],
    ["dep\ta\tv1\n=>\ta\tb\n", "line 2: expected 3 columns for replacement; got 2"],
    [
      "dep\ta\tv1\n=>\ta\tb\tc\n=>\ta\tb\tc\n",
      "line 3: replacement with no module on previous line",
    ],
    ["build\t\n", "line 1: build line missing '='"],
    ["build\t=x\n", "line 1: build line with missing key"],
    ["build\tkey\n", "line 1: build line missing '=' after key"],
    ["build\ta b=c\n", `line 1: unquoted key "a b" must be quoted`],
    ["build\tk=a b\n", `line 1: unquoted value "a b" must be quoted`],
    ['build\t"k\n', "line 1: invalid quoted key in build line"],
    ['build\t"k"\n', "line 1: build line missing '=' after quoted key"],
    ['build\t"k":v\n', `line 1: unexpected character after quoted key: ':'`],
    ['build\tk="v\n', "line 1: invalid quoted value in build line"],
    ['build\tk="\\q"\n', "line 1: invalid quoted value in build line"],
  ];
  for (const [input, why] of cases) {
    throws(
      () => parseBuildInfo(input),
      (e: unknown) => e instanceof KoError && e.message === `could not parse Go build info: ${why}`,
      JSON.stringify(input),
    );
  }
});

Deno.test("h1ToSha256Hex decodes h1 sums and yields empty for anything else", () => {
  equal(
    h1ToSha256Hex("h1:0HttB8Ap1QXF9FAiZWWoU9VnFTxDHvh6zLuMoTelsUA="),
    "d07b6d07c029d505c5f450226565a853d567153c431ef87accbb8ca137a5b140",
  );
  equal(h1ToSha256Hex(""), "");
  equal(h1ToSha256Hex("h2:0HttB8Ap1QXF9FAiZWWoU9VnFTxDHvh6zLuMoTelsUA="), "");
  equal(h1ToSha256Hex("h1:not base64!"), "");
  equal(h1ToSha256Hex("h1:abc"), "");
});

Deno.test("goVersionM is the go version -m text byte for byte", () => {
  deepEqual(goVersionM(GOLDEN_TEXT), new TextEncoder().encode(GOLDEN_TEXT));
});

Deno.test("parseBuildInfo agrees with Go's debug.ParseBuildInfo, errors included", async () => {
  const body = GOLDEN_TEXT.split("\n").slice(1).map((l) => l.replace(/^\s+/, "")).join("\n");
  const inputs = [
    body,
    "",
    "path\ta\nmod\tm\tv1",
    'build\t"we ird"=`a "b"`\nbuild\tK=\nbuild\t-tags="x\\ty\\u00e9\\x41\\101"\n',
    "go\tgo1.2\nunknown\tline\n\npath\tp\n",
    "mod\ta\n",
    "path\tp\ndep\ta\tb\tc\td\n",
    "=>\ta\tb\tc\n",
    "dep\ta\tv1\n=>\ta\tb\n",
    "dep\ta\tv1\n=>\ta\tb\tc\n=>\ta\tb\tc\n",
    "build\t\n",
    "build\t=x\n",
    "build\tkey\n",
    "build\ta b=c\n",
    "build\tk=a b\n",
    'build\t"k\n',
    'build\t"k"\n',
    'build\t"k":v\n',
    'build\t"k"\tv\n',
    'build\t"k"\x01v\n',
    'build\tk="v\n',
    'build\tk="\\q"\n',
    "build\tk=`raw\r`\n",
  ];
  // Go leaves empty module fields out (omitempty).
  type GoModule = { Path?: string; Version?: string; Sum?: string; Replace?: GoModule | null };
  type GoResult = {
    err?: string;
    path: string;
    main: GoModule;
    deps: GoModule[] | null;
    settings: { Key: string; Value?: string }[] | null;
  };
  const goResults = JSON.parse(await goCheck("parse", JSON.stringify(inputs))) as GoResult[];
  const mod = (m: GoModule): unknown => ({
    path: m.Path ?? "",
    version: m.Version ?? "",
    sum: m.Sum ?? "",
    ...(m.Replace ? { replace: mod(m.Replace) } : {}),
  });
  inputs.forEach((input, i) => {
    const want = goResults[i]!;
    let got: unknown;
    try {
      const bi = parseBuildInfo(input);
      got = { path: bi.path, main: bi.main, deps: bi.deps, settings: bi.settings };
    } catch (e) {
      got = { err: (e as Error).message };
    }
    const expected = want.err !== undefined ? { err: want.err } : {
      path: want.path,
      main: mod(want.main),
      deps: (want.deps ?? []).map(mod),
      settings: (want.settings ?? []).map((s) => ({ key: s.Key, value: s.Value ?? "" })),
    };
    deepEqual(got, expected, JSON.stringify(input));
  });
});
