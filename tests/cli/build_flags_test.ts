import { deepEqual, equal, match } from "node:assert/strict";
import { availableParallelism } from "node:os";
import { call, failure } from "./harness.ts";

Deno.test("ko build with no flags gets ko's defaults and the current directory", async () => {
  const { verb, args, options } = await call(["build"]);
  equal(verb, "build");
  deepEqual(args, ["."]);
  deepEqual(options, {
    jobs: availableParallelism(),
    pushJobs: Math.max(4, availableParallelism()),
    disableOptimizations: false,
    ldflags: [],
    sbom: "spdx",
    sbomDir: "",
    platforms: [],
    imageLabels: {},
    imageAnnotations: {},
    imageUser: "",
    debug: false,
    progress: "auto",
    timings: false,
    tags: ["latest"],
    tagOnly: false,
    push: true,
    local: false,
    insecureRegistry: false,
    ociLayoutPath: "",
    tarball: "",
    imageRefs: "",
    preserveImportPaths: false,
    baseImportPaths: false,
    bare: false,
    signKey: "",
    watch: false,
  });
});

Deno.test("ko publish is an alias of build", async () => {
  const { verb, args } = await call(["publish", "./cmd/a", "./cmd/b"]);
  equal(verb, "build");
  deepEqual(args, ["./cmd/a", "./cmd/b"]);
});

Deno.test("every build and publish flag is read with its long name", async () => {
  const { args, options } = await call([
    "build",
    "--jobs=3",
    "--disable-optimizations",
    "--ldflags=-s,-w",
    "--sbom=none",
    "--sbom-dir=out/sbom",
    "--platform=linux/amd64,linux/arm64",
    "--image-label=org=acme",
    "--image-annotation=note=a=b",
    "--image-user=65532:65532",
    "--debug",
    "--progress=plain",
    "--timings",
    "--tags=v1",
    "--tag-only",
    "--push=false",
    "--local",
    "--insecure-registry",
    "--oci-layout-path=out/layout",
    "--tarball=out/app.tar",
    "--image-refs=out/refs.txt",
    "--preserve-import-paths",
    "--bare",
    "--sign-key=keys/cosign.key",
    "--watch",
    "./cmd/app",
  ]);
  deepEqual(args, ["./cmd/app"]);
  deepEqual(options, {
    jobs: 3,
    pushJobs: 3,
    disableOptimizations: true,
    ldflags: ["-s", "-w"],
    sbom: "none",
    sbomDir: "out/sbom",
    platforms: ["linux/amd64", "linux/arm64"],
    imageLabels: { org: "acme" },
    imageAnnotations: { note: "a=b" },
    imageUser: "65532:65532",
    debug: true,
    progress: "plain",
    timings: true,
    tags: ["v1"],
    tagOnly: true,
    push: false,
    local: true,
    insecureRegistry: true,
    ociLayoutPath: "out/layout",
    tarball: "out/app.tar",
    imageRefs: "out/refs.txt",
    preserveImportPaths: true,
    baseImportPaths: false,
    bare: true,
    signKey: "keys/cosign.key",
    watch: true,
  });
});

Deno.test("short flags take values separately, attached or after =", async () => {
  for (const argv of [["-j", "2"], ["-j2"], ["-j=2"], ["--jobs", "2"]]) {
    const { options } = await call(["build", ...argv]);
    equal(options.jobs, 2, argv.join(" "));
  }
  const { options } = await call(["build", "-tv1", "-t=v2", "-t", "v3"]);
  deepEqual(options.tags, ["v1", "v2", "v3"]);
});

Deno.test("grouped short booleans set each flag", async () => {
  const { options } = await call(["build", "-PL"]);
  equal(options.preserveImportPaths, true);
  equal(options.local, true);
  const grouped = await call(["build", "-LBt", "dev"]);
  equal(grouped.options.local, true);
  equal(grouped.options.baseImportPaths, true);
  deepEqual(grouped.options.tags, ["dev"]);
});

Deno.test("flags may come before, between and after import paths", async () => {
  const { args, options } = await call(["build", "-L", "./a", "--push=false", "./b", "-P"]);
  deepEqual(args, ["./a", "./b"]);
  equal(options.local, true);
  equal(options.push, false);
  equal(options.preserveImportPaths, true);
});

Deno.test("arguments after -- are import paths even when they look like flags", async () => {
  const { args } = await call(["build", "--", "-weird"]);
  deepEqual(args, ["-weird"]);
});

Deno.test("strings flags repeat, split on commas and respect CSV quotes", async () => {
  const { options } = await call([
    "build",
    "--platform=linux/amd64",
    "--platform",
    "linux/arm64,linux/arm/v7",
    "--ldflags=-X main.v=1",
    "--ldflags",
    '"-X main.list=a,b"',
  ]);
  deepEqual(options.platforms, ["linux/amd64", "linux/arm64", "linux/arm/v7"]);
  deepEqual(options.ldflags, ["-X main.v=1", "-X main.list=a,b"]);
});

Deno.test("--tags replaces the latest default, and duplicates keep the first", async () => {
  const { options } = await call(["build", "-t", "b,a", "-t", "b", "--tags=c,a"]);
  deepEqual(options.tags, ["b", "a", "c"]);
});

Deno.test("an empty --tags value clears the tags like pflag", async () => {
  const { options } = await call(["build", "--tags="]);
  deepEqual(options.tags, []);
});

Deno.test("bool flags accept every strconv.ParseBool spelling after =", async () => {
  for (const v of ["0", "f", "F", "FALSE", "false", "False"]) {
    const { options } = await call(["build", `--push=${v}`, `--local=${v}`]);
    equal(options.push, false, v);
    equal(options.local, false, v);
  }
  for (const v of ["1", "t", "T", "TRUE", "true", "True"]) {
    const { options } = await call(["build", `--push=${v}`, `-L=${v}`]);
    equal(options.push, true, v);
    equal(options.local, true, v);
  }
});

Deno.test("a bare bool flag never swallows the next argument", async () => {
  const { args, options } = await call(["build", "--push", "false"]);
  equal(options.push, true);
  deepEqual(args, ["false"]);
});

Deno.test("the last occurrence of a bool flag wins", async () => {
  equal((await call(["build", "--push=false", "--push"])).options.push, true);
  equal((await call(["build", "--push", "--push=0"])).options.push, false);
});

Deno.test("an invalid bool value is a one-line usage error", async () => {
  const run = await failure(["build", "--push=maybe"]);
  equal(run.code, 1);
  equal(
    run.stderr,
    'Error: invalid argument "maybe" for "--push" flag: expected true or false (also 1, 0, t, f)\n' +
      "Run 'ko build --help' for usage.\n",
  );
  equal(run.stdout, "");
  equal(run.calls.length, 0);
});

Deno.test("--jobs validates integers and rejects negatives", async () => {
  match(
    (await failure(["build", "-j", "many"])).stderr,
    /invalid argument "many" for "-j, --jobs" flag: expected an integer/,
  );
  match((await failure(["build", "--jobs=1.5"])).stderr, /expected an integer/);
  match((await failure(["build", "--jobs=-1"])).stderr, /must be 0 \(one per CPU\) or more/);
});

Deno.test("--jobs 0 means one job per CPU", async () => {
  equal((await call(["build", "-j", "0"])).options.jobs, availableParallelism());
});

Deno.test("--sbom accepts spdx, cyclonedx, go.version-m and none only", async () => {
  for (const f of ["spdx", "cyclonedx", "go.version-m", "none"]) {
    equal((await call(["build", "--sbom", f])).options.sbom, f);
  }
  const run = await failure(["build", "--sbom=sdpx"]);
  match(
    run.stderr,
    /^Error: invalid argument "sdpx" for "--sbom" flag: expected one of spdx, cyclonedx, go\.version-m, none\n/,
  );
});

Deno.test("labels and annotations split at the first =", async () => {
  const { options } = await call([
    "build",
    "--image-label=a=1,b=x=y",
    "--image-label",
    "empty=",
    "--image-annotation=org.opencontainers.image.source=https://x/y?a=b",
  ]);
  deepEqual(options.imageLabels, { a: "1", b: "x=y", empty: "" });
  deepEqual(options.imageAnnotations, {
    "org.opencontainers.image.source": "https://x/y?a=b",
  });
});

Deno.test("a label without = is rejected with ko's message", async () => {
  const run = await failure(["build", "--image-label=nokey"]);
  equal(run.code, 1);
  match(run.stderr, /^Error: invalid label flag: nokey\n/);
});

Deno.test("an annotation without = is rejected with ko's message", async () => {
  const run = await failure(["build", "--image-annotation", "a=b,oops"]);
  match(run.stderr, /^Error: missing '=' in annotation: oops\n/);
});

Deno.test("--platform=all mixed with a specific platform is rejected", async () => {
  const run = await failure(["build", "--platform=all,linux/amd64"]);
  match(run.stderr, /^Error: validating options: all or specific platforms should be used/);
  equal(run.calls.length, 0);
  deepEqual((await call(["build", "--platform=all"])).options.platforms, ["all"]);
});

Deno.test("--bare with -B logs the warning banner and -B wins", async () => {
  const run = await call(["build", "--bare", "-B"]);
  equal(run.options.bare, false);
  equal(run.options.baseImportPaths, true);
  match(run.stderr, /WARNING!\n-{65}\nBoth --base-import-paths \(-B\) and --bare were given\./);
  equal(run.stdout, "");
});

Deno.test("--local with KO_DOCKER_REPO=ko.local logs a warning", async () => {
  const run = await call(["build", "-L"], { env: { KO_DOCKER_REPO: "ko.local/team" } });
  match(
    run.stderr,
    /WARNING!\n-+\n--local was given and KO_DOCKER_REPO already contains ko\.local\./,
  );
  const quiet = await call(["build", "-L"], { env: { KO_DOCKER_REPO: "ghcr.io/team" } });
  equal(quiet.stderr, "");
});

Deno.test("unknown flags, and missing values, are usage errors", async () => {
  equal(
    (await failure(["build", "--fast"])).stderr,
    "Error: unknown flag: --fast\nRun 'ko build --help' for usage.\n",
  );
  match((await failure(["build", "-x"])).stderr, /^Error: unknown shorthand flag: 'x' in -x\n/);
  match((await failure(["build", "-Lx"])).stderr, /^Error: unknown shorthand flag: 'x' in -Lx\n/);
  match((await failure(["build", "--tags"])).stderr, /^Error: flag needs an argument: --tags\n/);
  match((await failure(["build", "-t"])).stderr, /^Error: flag needs an argument: 't' in -t\n/);
  match((await failure(["build", "---tags"])).stderr, /^Error: bad flag syntax: ---tags\n/);
});

Deno.test("a value flag takes the next argument even if it starts with a dash", async () => {
  deepEqual((await call(["build", "--ldflags", "-s"])).options.ldflags, ["-s"]);
});
