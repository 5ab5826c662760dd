import { deepEqual, equal, match, ok } from "node:assert/strict";
import {
  checkGoflags,
  checkToolexecArgs,
  type GoBuildInputs,
  goBuildInvocation,
} from "../../src/config/build_plan.ts";
import { BuildSelector, selectBuildConfig } from "../../src/config/build_selection.ts";
import { GoLister } from "../../src/go/go_lister.ts";
import { type BuildConfig, loadKoConfig } from "../../src/config/ko_config.ts";
import { goEnvForPlatform } from "../../src/oci/platform.ts";
import { git, GIT_ENV, initRepo } from "./git_fixture.ts";
import {
  build,
  captureLogs,
  config,
  errorOf,
  goEnvironment,
  MULTIMOD,
  withTempDir,
} from "./helpers.ts";

const PROCESS_ENV = { ...goEnvironment(), ...GIT_ENV };

function inputs(partial: Partial<GoBuildInputs> = {}): GoBuildInputs {
  return {
    defaults: config(),
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

// The plan (ko 2.6).

Deno.test("defaults give flags, ldflags and env when the build has none", async () => {
  const inv = await goBuildInvocation(inputs({
    defaults: config({
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
    defaults: config({
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
    defaults: config({ defaultLdflags: ["-s"] }),
    build: build({ ldflags: ["-w"] }),
    cliLdflags: ["-X main.version=1", "-s"],
  }));
  deepEqual(inv.args.slice(1, -3), ["-trimpath", "-ldflags=-X main.version=1 -s"]);
});

Deno.test("a per-build list left out or empty falls back to the defaults", async () => {
  const inv = await goBuildInvocation(inputs({
    defaults: config({ defaultEnv: ["A=1"], defaultFlags: ["-v"], defaultLdflags: ["-s"] }),
    build: build({ flags: [], ldflags: [] }),
  }));
  deepEqual(inv.args.slice(1, -3), ["-v", "-trimpath", "-ldflags=-s"]);
  equal(inv.env.A, "1");
});

Deno.test("a per-build list written as [] clears the default, which ko cannot do (#1568)", async () => {
  const inv = await goBuildInvocation(inputs({
    defaults: config({ defaultEnv: ["A=1"], defaultFlags: ["-v"], defaultLdflags: ["-s"] }),
    build: build({ emptyLists: new Set(["env", "flags", "ldflags"]) }),
  }));
  deepEqual(inv.args.slice(1, -3), ["-trimpath"]);
  equal(inv.env.A, undefined);
  const onlyLdflags = await goBuildInvocation(inputs({
    defaults: config({ defaultFlags: ["-v"], defaultLdflags: ["-s"] }),
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
  // The user's environment can override CGO_ENABLED, and the build env overrides everything
  // (but the platform's variables: see below).
  const user = await goBuildInvocation(inputs({ processEnv: { CGO_ENABLED: "1", X: "x" } }));
  equal(user.env.CGO_ENABLED, "1");
  equal(user.env.X, "x");
  const perBuild = await goBuildInvocation(inputs({
    processEnv: { CGO_ENABLED: "1", GOOS: "linux" },
    build: build({ env: ["CGO_ENABLED=0", "GOARCH=amd64"] }),
  }));
  equal(perBuild.env.CGO_ENABLED, "0");
  equal(perBuild.env.GOARCH, "amd64");
});

/** A selector over `builds`, planning for linux/amd64 (or `platformEnv`) with `env`. */
function selectorPlan(
  builds: BuildConfig[],
  env: Record<string, string>,
  importPath: string,
  platformEnv: Record<string, string> = { GOOS: "linux", GOARCH: "amd64" },
) {
  const selector = new BuildSelector(config({ builds }), {
    cwd: MULTIMOD,
    env,
    lister: new GoLister(),
    goPath: "go",
    cliLdflags: [],
    disableOptimizations: false,
  });
  return () => selector.plan({ importPath, platformEnv, output: "/tmp/out" });
}

Deno.test("a GOOS/GOARCH/GOARM that contradicts the platform being built is refused", async () => {
  // The configured env and the process environment come after the platform's variables in
  // go build's env: before, an arm64 binary went into a linux/amd64 image (with a warning).
  const fromBuild = await errorOf(
    selectorPlan(
      [build({ id: "#0", importPath: "example.com/by-build", env: ["GOARCH=arm64"] })],
      {},
      "ko://example.com/by-build",
    ),
  );
  equal(
    fromBuild,
    "build: GOARCH=arm64 from 'builds' entry #0 'env' contradicts the platform linux/amd64 " +
      "being built (go build would make a linux/arm64 binary for it): remove it, and choose " +
      "the platform with --platform or defaultPlatforms",
  );
  const fromDefaults = await errorOf(() =>
    goBuildInvocation(inputs({ defaults: config({ defaultEnv: ["GOOS=windows"] }) }))
  );
  match(fromDefaults, /^GOOS=windows from 'defaultEnv' contradicts the platform linux\/amd64 /);
  const fromKoEnv = await errorOf(() =>
    goBuildInvocation(inputs({
      defaults: config({ defaultEnv: ["GOOS=windows"] }),
      processEnv: { KO_DEFAULTENV: "GOOS=windows" },
    }))
  );
  match(fromKoEnv, /^GOOS=windows from KO_DEFAULTENV contradicts/);
  // GOARCH alone in the environment does not choose the platform (ko's rule), so it would win.
  const alone = await errorOf(selectorPlan([], { GOARCH: "arm64" }, "ko://example.com/arch-only"));
  equal(
    alone,
    "build: GOARCH=arm64 from the environment contradicts the platform linux/amd64 being built " +
      "(go build would make a linux/arm64 binary for it): GOOS and GOARCH choose the platform " +
      "only when both are set: set both, or unset GOARCH and use --platform",
  );
  // An empty GOARCH makes go build use the host's.
  const empty = await errorOf(() =>
    goBuildInvocation(inputs({ processEnv: { GOOS: "linux", GOARCH: "" } }))
  );
  match(
    empty,
    /^GOARCH="" from the environment contradicts the platform linux\/amd64 being built \(go build would make a binary for this machine's platform for it\)/,
  );
  // GOARM counts for an arm platform with a variant.
  const arm = goEnvForPlatform({ os: "linux", architecture: "arm", variant: "v7" });
  const goarm = await errorOf(() =>
    goBuildInvocation(inputs({ platformEnv: arm, build: build({ id: "#0", env: ["GOARM=6"] }) }))
  );
  match(goarm, /^GOARM=6 from 'builds' entry #0 'env' contradicts the platform linux\/arm\/v7 /);
  match(goarm, /would make a linux\/arm\/v6 binary/);
  // Agreeing values, and GOARM for a platform without a variant, are fine.
  const quiet = await captureLogs(
    selectorPlan(
      [build({ importPath: "example.com/quiet", env: ["GOOS=linux", "GOARM=6"] })],
      { GOOS: "linux", GOARCH: "arm64" },
      "ko://example.com/quiet",
      { GOOS: "linux", GOARCH: "arm64" },
    ),
  );
  deepEqual(quiet.lines, []);
  const plainArm = await goBuildInvocation(inputs({
    platformEnv: goEnvForPlatform({ os: "linux", architecture: "arm" }),
    build: build({ env: ["GOARM=6"] }),
  }));
  equal(plainArm.env.GOARM, "6");
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
    const logged = selectorPlan(
      [build({ id: "app", importPath: "example.com/logged/once" })],
      {},
      "example.com/logged/once",
    );
    await logged();
    await logged();
    await selectorPlan([], {}, "example.com/no/config")();
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
        defaults: config({ defaultFlags: ["{{.Nope}}"], defaultLdflags: ["-s"] }),
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
    const selected = await selectBuildConfig(
      loaded,
      "./cmd/root",
      MULTIMOD,
      goEnvironment(),
      new GoLister(),
    );
    const host = { GOOS: Deno.build.os, GOARCH: Deno.build.arch === "x86_64" ? "amd64" : "arm64" };
    const { result: inv } = await captureLogs(() =>
      goBuildInvocation({
        defaults: loaded,
        ...(selected ? { build: selected } : {}),
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

Deno.test("the plan names its inputs for provenance: flags, ldflags and the keys ko sets", async () => {
  const inv = await goBuildInvocation(inputs({
    processEnv: { SECRET_TOKEN: "hunter2", HOME: "/root" },
    build: build({
      flags: ["-tags", "netgo"],
      ldflags: ["-s", "-X main.v={{.Env.HOME}}"],
      env: ["GOFLAGS=-mod=mod", "CGO_ENABLED=1"],
    }),
  }));
  deepEqual(inv.flags, ["-tags", "netgo", "-trimpath"]);
  deepEqual(inv.ldflags, ["-s", "-X main.v=/root"]);
  // Inherited variables (SECRET_TOKEN, HOME) are not among them; values are never recorded.
  deepEqual(inv.envKeys, ["CGO_ENABLED", "GOARCH", "GOFLAGS", "GOOS"]);
});
