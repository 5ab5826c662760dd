/**
 * `ko deps` end to end with the real Go toolchain: the dependency tree of the SBOM fixture
 * app (sums, replacements), the SBOM documents instead of the tree (schema-valid), the
 * platform choice, `.ko.yaml` build settings applied, and the error cases. No registry is
 * started: nothing is pulled or pushed (the base image setting points at an unreachable
 * address to prove it).
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { ko } from "../helpers/ko_cli.ts";
import { tempDir } from "../helpers/tools.ts";
import { cycloneDxSchemaErrors, spdxSchemaErrors } from "../sbom/schema_validator.ts";
import { copySbomApp, SBOM_APP_MODULE, sbomAppEnv } from "./sbom_app.ts";

Deno.test("ko deps prints what would be baked into the image", async (t) => {
  await using tmp = await tempDir();
  const src = await copySbomApp(tmp.path);
  await Deno.mkdir(join(src, "util"));
  await Deno.writeTextFile(join(src, "util", "util.go"), "package util\n");
  const env = (extra: Record<string, string> = {}) => ({
    ...sbomAppEnv(tmp.path),
    // Unreachable: ko deps must not read any base image.
    KO_DEFAULTBASEIMAGE: "127.0.0.1:1/nothing/here:latest",
    ...extra,
  });
  const run = (args: string[], extra: Record<string, string> = {}) =>
    ko(["deps", ...args], { cwd: src, env: env(extra) });

  await t.step(
    "the module tree: main module, then dependencies with versions and sums",
    async () => {
      const r = await run(["."]);
      equal(r.code, 0, r.stderr);
      const lines = r.stdout.split("\n");
      equal(lines[0], `${SBOM_APP_MODULE} (devel)`);
      deepEqual(lines.slice(1, 3), [
        "  example.com/Org/Upper/v2 v2.1.0 => ./upper (devel)",
        "  example.com/dep v0.0.0 => ./dep (devel)",
      ]);
      match(lines[3]!, /^ {2}example\.com\/lib v1\.0\.0 h1:[A-Za-z0-9+/]{43}=$/);
      equal(lines.length, 5);
      equal(lines[4], "");
      // The sum is the module's real go.sum hash.
      const sum = (await Deno.readTextFile(join(src, "go.sum"))).split("\n")
        .find((l) => l.startsWith("example.com/lib v1.0.0 "))!.split(" ")[2];
      ok(lines[3]!.endsWith(` ${sum}`));
      // The same tree for an import path.
      equal((await run([SBOM_APP_MODULE])).stdout, r.stdout);
    },
  );

  await t.step("--sbom prints a document instead", async () => {
    const spdx = JSON.parse((await run(["--sbom=spdx", "."])).stdout);
    deepEqual(await spdxSchemaErrors(spdx), []);
    deepEqual(
      spdx.packages.map((p: { name: string }) => p.name).slice(1),
      [SBOM_APP_MODULE, "example.com/Org/Upper/v2", "example.com/dep", "example.com/lib"],
    );
    // The app image on an empty base: no base image package.
    ok(
      !spdx.relationships.some((r: { relationshipType: string }) =>
        r.relationshipType === "DESCENDANT_OF"
      ),
    );
    const cdx = JSON.parse((await run(["--sbom=cyclonedx", "."])).stdout);
    deepEqual(await cycloneDxSchemaErrors(cdx), []);
    const gvm = (await run(["--sbom=go.version-m", "."])).stdout;
    match(gvm, /^\/ko-app\/App: go1\.\d+/);
    match(gvm, /\tbuild\tGOARCH=amd64\n/);
    // Deterministic: the same document twice.
    equal((await run(["--sbom=spdx", "."])).stdout, JSON.stringify(spdx, null, 2) + "\n");
  });

  await t.step("--platform picks the build; GOOS/GOARCH do when it is absent", async () => {
    match(
      (await run(["--sbom=go.version-m", "--platform=linux/arm64", "."])).stdout,
      /\tbuild\tGOARCH=arm64\n/,
    );
    match(
      (await run(["--sbom=go.version-m", "."], { GOOS: "linux", GOARCH: "arm64" })).stdout,
      /\tbuild\tGOARCH=arm64\n/,
    );
  });

  await t.step(".ko.yaml build settings apply, as in ko build", async () => {
    await Deno.writeTextFile(
      join(src, ".ko.yaml"),
      "builds:\n  - id: app\n    main: .\n    flags:\n      - -tags=kodeps\n",
    );
    try {
      const r = await run(["--sbom=go.version-m", "."]);
      equal(r.code, 0, r.stderr);
      match(r.stdout, /\tbuild\t-tags=kodeps\n/);
    } finally {
      await Deno.remove(join(src, ".ko.yaml"));
    }
  });

  await t.step(
    "SOURCE_DATE_EPOCH and KO_DATA_DATE_EPOCH date the image, as in ko build",
    async () => {
      const epochs = {
        SOURCE_DATE_EPOCH: "1700000000",
        KO_DATA_DATE_EPOCH: "1600000000",
        KO_DEFAULTBASEIMAGE: "scratch",
      };
      const r = await run(["--sbom=spdx", "."], epochs);
      equal(r.code, 0, r.stderr);
      const spdx = JSON.parse(r.stdout);
      // Before: ko deps ignored both, so the SBOM said 0001-01-01 and named another image.
      equal(spdx.creationInfo.created, "2023-11-14T22:13:20Z");
      const layout = join(tmp.path, "deps-layout");
      const built = await ko(["build", "--push=false", "--oci-layout-path", layout, "."], {
        cwd: src,
        env: env(epochs),
      });
      equal(built.code, 0, built.stderr);
      equal(spdx.name, `sbom-${built.stdout.trim().split("@")[1]}`);
    },
  );

  await t.step("bad input fails with one clear line", async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [
        ["--platform=all", "."],
        {},
        /Error: ko deps builds one binary and --platform=all names no single one: pass one, e\.g\. --platform=linux\/arm64/,
      ],
      [
        ["--platform=linux/amd64,linux/arm64", "."],
        {},
        /Error: ko deps builds one binary but 2 platforms were given \[linux\/amd64 linux\/arm64\]/,
      ],
      [["--platform=linux/arm64", "."], { GOOS: "linux" }, /combined with GOOS="linux"/],
      [
        ["."],
        { KO_DEFAULTPLATFORMS: "linux/amd64,linux/arm64" },
        /Error: ko deps builds one binary but 2 platforms were given \[linux\/amd64 linux\/arm64\] by defaultPlatforms \(\.ko\.yaml or KO_DEFAULTPLATFORMS\): pass one/,
      ],
      [
        ["."],
        { KO_DEFAULTPLATFORMS: "all" },
        /Error: ko deps builds one binary and defaultPlatforms=all names no single one/,
      ],
      [
        ["./util"],
        {},
        /Error: importpath "\.\/util" is not supported: importpath is not `package main`/,
      ],
      [["./nope"], {}, /Error: importpath "\.\/nope" is not supported: /],
      [["--sbom=none", "."], {}, /Error: invalid argument "none" for "--sbom" flag/],
    ];
    for (const [args, extra, want] of cases) {
      const r = await run(args, extra);
      equal(r.code, 1, `ko deps ${args.join(" ")}`);
      match(r.stderr, want);
      equal(r.stdout, "");
      equal(r.stderr.trim().split("\n").filter((l) => l.startsWith("Error:")).length, 1);
    }
  });
});
