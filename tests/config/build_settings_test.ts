import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import {
  checkGoflags,
  checkToolexecArgs,
  type GoBuildInputs,
  goBuildInvocation,
  relativePath,
  selectBuildConfig,
} from "../../src/config/build_settings.ts";
import { clearGitInfoCache } from "../../src/config/git_info.ts";
import { type BuildConfig, type KoConfig, loadKoConfig } from "../../src/config/ko_config.ts";
import { goEnvForPlatform } from "../../src/oci/platform.ts";
import { KoError } from "../../src/util/errors.ts";
import { git, GIT_ENV, initRepo } from "./git_fixture.ts";
import { captureLogs, errorOf, goEnvironment, MULTIMOD, withTempDir } from "./helpers.ts";

function config(partial: Partial<KoConfig> = {}): KoConfig {
  return {
    defaultBaseImage: "scratch",
    baseImageOverrides: {},
    defaultPlatforms: [],
    defaultEnv: [],
    defaultFlags: [],
    defaultLdflags: [],
    builds: [],
    ...partial,
  };
}

function build(partial: Partial<BuildConfig> = {}): BuildConfig {
  return {
    id: "",
    dir: ".",
    main: ".",
    env: [],
    flags: [],
    ldflags: [],
    linuxCapabilities: [],
    importPath: "example.com/root/cmd/root",
    ...partial,
  };
}

const PROCESS_ENV = { ...goEnvironment(), ...GIT_ENV };

function inputs(partial: Partial<GoBuildInputs> = {}): GoBuildInputs {
  return {
    config: config(),
    importPath: "ko://example.com/root/cmd/root",
    platformEnv: { GOOS: "linux", GOARCH: "amd64" },
    processEnv: {},
    cliLdflags: [],
    disableOptimizations: false,
    cwd: MULTIMOD,
    goPath: "go",
    output: "/tmp/out",
    ...partial,
  };
}

// Selection (ko 5.1).

Deno.test("relativePath follows ko's table", () => {
  equal(relativePath("", ""), "");
  equal(relativePath(".", "."), ".");
  equal(relativePath("any", "example.com/app/cmd/foo"), "example.com/app/cmd/foo");
  equal(relativePath("any", "ko://example.com/app/cmd/foo"), "ko://example.com/app/cmd/foo");
  equal(relativePath("foo", "./foo/bar"), "./bar");
  equal(relativePath("foo/bar", "./foo/bar"), ".");
  equal(relativePath("app", "./app/cmd/foo"), "./cmd/foo");
  throws(
    () => relativePath("foo", "./bar"),
    (e: unknown) =>
      e instanceof KoError &&
      e.message ===
        'import path ("./bar") must be a subdirectory of build config directory ("foo")',
  );
});

Deno.test("selectBuildConfig finds a build by exact import path, with or without ko://", async () => {
  const loaded = await loadKoConfig({
    cwd: MULTIMOD,
    env: goEnvironment({ KO_CONFIG_PATH: `${MULTIMOD}/../multimod.ko.yaml` }),
  });
  const foo = loaded.builds.find((b) => b.id === "foo")!;
  equal(await selectBuildConfig(loaded, "example.com/testapp/cmd/foo", MULTIMOD), foo);
  equal(await selectBuildConfig(loaded, "ko://example.com/testapp/cmd/foo", MULTIMOD), foo);
  equal(await selectBuildConfig(loaded, "example.com/other", MULTIMOD), undefined);
  equal(await selectBuildConfig(config(), "example.com/testapp/cmd/foo", MULTIMOD), undefined);
});

Deno.test("selectBuildConfig resolves local paths through the build's dir", async () => {
  const loaded = await loadKoConfig({
    cwd: MULTIMOD,
    env: goEnvironment({ KO_CONFIG_PATH: `${MULTIMOD}/../multimod.ko.yaml` }),
  });
  const env = goEnvironment();
  // ./app/cmd/bar has no build of its own, but lies in the `app` build's directory (module).
  equal((await selectBuildConfig(loaded, "./app/cmd/bar", MULTIMOD, env))?.id, "foo");
  equal((await selectBuildConfig(loaded, "./app/cmd/foo", MULTIMOD, env))?.id, "foo");
  // Paths outside every build's dir fall back to the default build.
  equal(await selectBuildConfig(loaded, "../elsewhere", MULTIMOD, env), undefined);
  // The root module's build matches its own local path.
  equal((await selectBuildConfig(loaded, "./cmd/root", MULTIMOD, env))?.id, "root");
});

Deno.test("selectBuildConfig with '.' from inside a build's directory", async () => {
  const here = `${MULTIMOD}/app/cmd/foo`;
  const loaded = await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/ko.yaml`, "builds:\n- id: here\n");
    return await loadKoConfig({
      cwd: here,
      env: goEnvironment({ KO_CONFIG_PATH: `${dir}/ko.yaml` }),
    });
  });
  equal(loaded.builds[0]?.importPath, "example.com/testapp/cmd/foo");
  equal((await selectBuildConfig(loaded, ".", here, goEnvironment()))?.id, "here");
});

Deno.test("selectBuildConfig matches a local path to a build's directory even if its package differs", async () => {
  const cfg = config({
    builds: [build({ id: "by-dir", dir: "app", importPath: "example.com/elsewhere" })],
  });
  equal((await selectBuildConfig(cfg, "./app/cmd/foo", MULTIMOD, goEnvironment()))?.id, "by-dir");
  equal(await selectBuildConfig(cfg, "./cmd/root", MULTIMOD, goEnvironment()), undefined);
});

// Precedence (ko 2.5 and its tests).

Deno.test("defaults give flags, ldflags and env when the build has none", async () => {
  const inv = await goBuildInvocation(inputs({
    config: config({
      defaultFlags: ["-v"],
      defaultLdflags: ["-s"],
      defaultEnv: ["FOO=foo", "BAR=bar"],
    }),
  }));
  deepEqual(inv.args, [
    "build",
    "-v",
    "-trimpath",
    "-ldflags=-s",
    "-o",
    "/tmp/out",
    "example.com/root/cmd/root",
  ]);
  equal(inv.env.FOO, "foo");
  equal(inv.env.BAR, "bar");
  equal(inv.dir, MULTIMOD);
  equal(inv.goPath, "go");
});

Deno.test("per-build values replace the defaults; per-build env replaces defaultEnv", async () => {
  const inv = await goBuildInvocation(inputs({
    config: config({
      defaultFlags: ["-v"],
      defaultLdflags: ["-s"],
      defaultEnv: ["FOO=foo", "BAR=bar"],
    }),
    build: build({ flags: ["-x"], ldflags: ["-w", "-X main.a=b"], env: ["FOO=build"] }),
  }));
  deepEqual(inv.args.slice(1, -3), ["-x", "-trimpath", "-ldflags=-w -X main.a=b"]);
  equal(inv.env.FOO, "build");
  equal(inv.env.BAR, undefined);
});

Deno.test("CLI ldflags beat per-build ldflags", async () => {
  const inv = await goBuildInvocation(inputs({
    config: config({ defaultLdflags: ["-s"] }),
    build: build({ ldflags: ["-w"] }),
    cliLdflags: ["-X main.version=1", "-s"],
  }));
  deepEqual(inv.args.slice(1, -3), ["-trimpath", "-ldflags=-X main.version=1 -s"]);
});

Deno.test("a per-build list left out or empty falls back to the defaults", async () => {
  const inv = await goBuildInvocation(inputs({
    config: config({ defaultEnv: ["A=1"], defaultFlags: ["-v"], defaultLdflags: ["-s"] }),
    build: build({ flags: [], ldflags: [] }),
  }));
  deepEqual(inv.args.slice(1, -3), ["-v", "-trimpath", "-ldflags=-s"]);
  equal(inv.env.A, "1");
});

Deno.test("a per-build list written as [] clears the default, which ko cannot do (#1568)", async () => {
  const inv = await goBuildInvocation(inputs({
    config: config({ defaultEnv: ["A=1"], defaultFlags: ["-v"], defaultLdflags: ["-s"] }),
    build: build({ emptyLists: new Set(["env", "flags", "ldflags"]) }),
  }));
  deepEqual(inv.args.slice(1, -3), ["-trimpath"]);
  equal(inv.env.A, undefined);
  const onlyLdflags = await goBuildInvocation(inputs({
    config: config({ defaultFlags: ["-v"], defaultLdflags: ["-s"] }),
    build: build({ emptyLists: new Set(["ldflags"]) }),
  }));
  deepEqual(onlyLdflags.args.slice(1, -3), ["-v", "-trimpath"]);
});

Deno.test("disabling optimisations adds -gcflags all=-N -l as two arguments after -trimpath", async () => {
  const inv = await goBuildInvocation(inputs({ disableOptimizations: true }));
  deepEqual(inv.args, [
    "build",
    "-trimpath",
    "-gcflags",
    "all=-N -l",
    "-o",
    "/tmp/out",
    "example.com/root/cmd/root",
  ]);
  const noTrim = await goBuildInvocation(inputs({ trimpath: false }));
  deepEqual(noTrim.args, ["build", "-o", "/tmp/out", "example.com/root/cmd/root"]);
});

Deno.test("the build env merges defaults, platform, process and build env, last wins", async () => {
  const base = await goBuildInvocation(inputs({
    platformEnv: goEnvForPlatform({ os: "linux", architecture: "arm", variant: "v7" }),
    processEnv: { PATH: "/bin", HOME: "/home/me" },
  }));
  deepEqual(base.env, {
    CGO_ENABLED: "0",
    GOOS: "linux",
    GOARCH: "arm",
    GOARM: "7",
    PATH: "/bin",
    HOME: "/home/me",
  });
  const amd64 = await goBuildInvocation(inputs({
    platformEnv: goEnvForPlatform({ os: "linux", architecture: "amd64", variant: "v3" }),
  }));
  equal(amd64.env.GOAMD64, "v3");
  // The user's environment can override CGO_ENABLED, and the build env overrides everything.
  const user = await goBuildInvocation(inputs({ processEnv: { CGO_ENABLED: "1", GOOS: "x" } }));
  equal(user.env.CGO_ENABLED, "1");
  equal(user.env.GOOS, "x");
  const perBuild = await goBuildInvocation(inputs({
    processEnv: { CGO_ENABLED: "1" },
    build: build({ env: ["CGO_ENABLED=0", "GOARCH=riscv64"] }),
  }));
  equal(perBuild.env.CGO_ENABLED, "0");
  equal(perBuild.env.GOARCH, "riscv64");
});

Deno.test("an environment GOOS/GOARCH that contradicts the platform is warned about, once", async () => {
  // GOARCH alone does not choose the platform (ko), yet it wins in go build's env: before, an
  // arm64 binary went into a linux/amd64 image without a word.
  const { result: inv, lines } = await captureLogs(async () => {
    const only = { importPath: "ko://example.com/arch-only", processEnv: { GOARCH: "arm64" } };
    const first = await goBuildInvocation(inputs(only));
    await goBuildInvocation(inputs(only));
    return first;
  });
  equal(inv.env.GOARCH, "arm64");
  equal(lines.length, 1);
  match(
    lines[0]!,
    /WARNING: building example\.com\/arch-only for linux\/amd64, but GOARCH=arm64 from the environment or the build's env makes go build produce a linux\/arm64 binary, which will not match the image's platform: set both GOOS and GOARCH/,
  );
  const quiet = await captureLogs(() =>
    goBuildInvocation(inputs({
      importPath: "ko://example.com/quiet",
      platformEnv: { GOOS: "linux", GOARCH: "arm64" },
      processEnv: { GOOS: "linux", GOARCH: "arm64" },
      build: build({ env: ["CGO_ENABLED=1"] }),
    }))
  );
  deepEqual(quiet.lines, []);
  const { lines: fromBuild } = await captureLogs(() =>
    goBuildInvocation(inputs({
      importPath: "ko://example.com/by-build",
      build: build({ env: ["GOOS=windows"] }),
    }))
  );
  match(fromBuild[0]!, /but GOOS=windows .* produce a windows\/amd64 binary/);
});

Deno.test("the build runs in the build's dir, relative to the working directory", async () => {
  const inv = await goBuildInvocation(inputs({ build: build({ dir: "app" }) }));
  equal(inv.dir, `${MULTIMOD}/app`);
});

Deno.test("an env entry without '=' fails with ko's message", async () => {
  equal(
    await errorOf(() => goBuildInvocation(inputs({ build: build({ env: ["NOPE"] }) }))),
    'invalid environment variable entry: "NOPE"',
  );
});

Deno.test("Using build config is logged once per import path, only with a build config", async () => {
  const { lines } = await captureLogs(async () => {
    await goBuildInvocation(
      inputs({ importPath: "example.com/logged/once", build: build({ id: "app" }) }),
    );
    await goBuildInvocation(
      inputs({ importPath: "example.com/logged/once", build: build({ id: "app" }) }),
    );
    await goBuildInvocation(inputs({ importPath: "example.com/no/config" }));
  });
  deepEqual(lines.map((l) => l.replace(/^\S+ \S+ /, "")), [
    "Using build config app for example.com/logged/once",
  ]);
});

// -toolexec guard.

Deno.test("-toolexec in build arguments is refused, after templating", async () => {
  for (const flag of ["-toolexec", "--toolexec", "-toolexec=/bin/evil", "--toolexec=x"]) {
    equal(
      await errorOf(() => goBuildInvocation(inputs({ build: build({ flags: [flag] }) }))),
      `cannot set ${flag}`,
    );
  }
  const { result: templated } = await captureLogs(() =>
    errorOf(() =>
      goBuildInvocation(inputs({
        processEnv: { ...PROCESS_ENV, EVIL: "-toolexec=/x" },
        build: build({ flags: ["{{.Env.EVIL}}"] }),
      }))
    )
  );
  equal(templated, "cannot set -toolexec=/x");
  // Substrings and other flags are fine.
  const ok1 = await goBuildInvocation(
    inputs({ build: build({ flags: ["-foo=-toolexec", "-tags=toolexec"] }) }),
  );
  deepEqual(ok1.args.slice(1, 3), ["-foo=-toolexec", "-tags=toolexec"]);
  checkToolexecArgs(["-ldflags=-toolexec"]);
});

Deno.test("-toolexec in GOFLAGS is refused wherever the GOFLAGS entry comes from", async () => {
  for (
    const goflags of ["-toolexec=x", "-mod=mod --toolexec=/bin/evil", "-toolexec", "--toolexec"]
  ) {
    const tok = goflags.split(" ").find((t) => t.includes("toolexec"))!;
    equal(
      await errorOf(() => goBuildInvocation(inputs({ processEnv: { GOFLAGS: goflags } }))),
      `could not create env for example.com/root/cmd/root: cannot set ${tok} via GOFLAGS environment variable`,
    );
  }
  // From the build env, and even when a later entry overrides it (ko checks every entry).
  ok(
    (await errorOf(() =>
      goBuildInvocation(inputs({
        processEnv: { GOFLAGS: "-toolexec=x" },
        build: build({ env: ["GOFLAGS=-mod=mod"] }),
      }))
    )).includes("cannot set -toolexec=x via GOFLAGS"),
  );
  checkGoflags(["GOFLAGS=-mod=mod -ldflags=-toolexec", "OTHER=-toolexec"], "x");
  const fine = await goBuildInvocation(
    inputs({ processEnv: { GOFLAGS: "-mod=mod -tags=toolexec" } }),
  );
  equal(fine.env.GOFLAGS, "-mod=mod -tags=toolexec");
});

// Templates.

Deno.test("flags and ldflags are templates over Env, GoEnv, Git and Date", async () => {
  await withTempDir(async (dir) => {
    await initRepo(dir);
    await git(dir, "tag", "v1.2.3");
    clearGitInfoCache();
    const { result: inv } = await captureLogs(() =>
      goBuildInvocation(inputs({
        cwd: dir,
        processEnv: { ...PROCESS_ENV, MYVAR: "hello" },
        platformEnv: { GOOS: "linux", GOARCH: "arm64" },
        creationTime: 1706933106,
        build: build({
          flags: ["-tags={{.Env.MYVAR}}"],
          ldflags: [
            "-X main.version={{.Git.Tag}}{{if .Git.IsDirty}}-dirty{{end}}",
            "-X main.date={{.Date}} -X main.arch={{.GoEnv.GOARCH}}",
            "-X main.ts={{.Timestamp}} {{.Env.LDFLAGS}}",
          ],
        }),
      }))
    );
    deepEqual(inv.args.slice(1, -3), [
      "-tags=hello",
      "-trimpath",
      "-ldflags=-X main.version=v1.2.3 -X main.date=2024-02-03T04:05:06Z -X main.arch=arm64 " +
      "-X main.ts=1706933106 ",
    ]);
  });
});

Deno.test("a flag templated to nothing is dropped, an empty flag value is kept", async () => {
  // Before: "" reached go build as a package: "no Go files in …", "malformed import path".
  await withTempDir(async (dir) => {
    await initRepo(dir);
    clearGitInfoCache();
    const { result: inv } = await captureLogs(() =>
      goBuildInvocation(inputs({
        cwd: dir,
        processEnv: PROCESS_ENV,
        build: build({
          flags: [
            "{{ if .Git.IsDirty }}-tags=dirty{{ end }}",
            "-v",
            "-tags",
            "{{ if .Git.IsDirty }}dirty{{ end }}",
            "",
          ],
        }),
      }))
    );
    deepEqual(inv.args.slice(0, -3), ["build", "-v", "-tags", "", "-trimpath"]);
  });
});

Deno.test("template errors fail the build with Go's message", async () => {
  const { result: missing } = await captureLogs(() =>
    errorOf(() =>
      goBuildInvocation(
        inputs({
          processEnv: PROCESS_ENV,
          build: build({ id: "#0", ldflags: ["-X a={{.Env.NOPE}}"] }),
        }),
      )
    )
  );
  // Go's message, after the list and value it comes from (its line:column is inside the value).
  equal(
    missing,
    `'builds' entry #0 'ldflags' value "-X a={{.Env.NOPE}}": ` +
      'template: argsTmpl:1:11: executing "argsTmpl" at <.Env.NOPE>: map has no entry for key "NOPE"',
  );
  equal(
    await errorOf(() =>
      goBuildInvocation(inputs({ build: build({ id: "app", flags: ["-v", "{{.Env.X"] }) }))
    ),
    `'builds' entry "app" 'flags' value "{{.Env.X": template: argsTmpl:1: unclosed action`,
  );
  const { result: fromDefaults } = await captureLogs(() =>
    errorOf(() =>
      goBuildInvocation(inputs({
        processEnv: PROCESS_ENV,
        config: config({ defaultFlags: ["{{.Nope}}"], defaultLdflags: ["-s"] }),
      }))
    )
  );
  match(fromDefaults, /^'defaultFlags' value "\{\{\.Nope\}\}": template: argsTmpl:1:2: /);
  const { result: fromCli } = await captureLogs(() =>
    errorOf(() =>
      goBuildInvocation(inputs({
        processEnv: PROCESS_ENV,
        build: build({ ldflags: ["-s"] }),
        cliLdflags: ["-X a={{ .Git.Nope }}"],
      }))
    )
  );
  match(fromCli, /^--ldflags value "-X a=\{\{ \.Git\.Nope \}\}": template: argsTmpl:1:12: /);
});

// The result runs: a real go build with the decided invocation.

Deno.test("the invocation builds a working binary with templated ldflags (real go build)", async () => {
  await withTempDir(async (out) => {
    const loaded = await loadKoConfig({
      cwd: MULTIMOD,
      env: goEnvironment({ KO_CONFIG_PATH: `${MULTIMOD}/../multimod.ko.yaml` }),
    });
    const selected = await selectBuildConfig(loaded, "./cmd/root", MULTIMOD, goEnvironment());
    const host = { GOOS: Deno.build.os, GOARCH: Deno.build.arch === "x86_64" ? "amd64" : "arm64" };
    const { result: inv } = await captureLogs(() =>
      goBuildInvocation({
        config: loaded,
        build: selected,
        importPath: "ko://example.com/root/cmd/root",
        platformEnv: host,
        processEnv: { ...PROCESS_ENV, VERSION_SUFFIX: "-test" },
        cliLdflags: [],
        disableOptimizations: false,
        creationTime: 0,
        cwd: MULTIMOD,
        goPath: "go",
        output: `${out}/bin`,
      })
    );
    const r = await new Deno.Command(inv.goPath, {
      args: [...inv.args],
      cwd: inv.dir,
      env: { ...inv.env },
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    equal(r.success, true, new TextDecoder().decode(r.stderr));
    const run = await new Deno.Command(`${out}/bin`, { stdout: "piped" }).output();
    equal(new TextDecoder().decode(run.stdout), "1970-01-01T00:00:00Z-test\n");
    equal(
      inv.args.find((a) => a.startsWith("-ldflags=")),
      "-ldflags=-s -w -X main.version=1970-01-01T00:00:00Z-test",
    );
  });
});
