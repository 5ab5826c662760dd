import { deepEqual, equal, match } from "node:assert/strict";
import { call, failure, ko } from "./harness.ts";

Deno.test("resolve reads -f, -R, -l and the shared build and publish flags", async () => {
  const { verb, args, options } = await call([
    "resolve",
    "-f",
    "config/,extra.yaml",
    "--filename=-",
    "-R",
    "-l",
    "app in (web,api)",
    "-t",
    "v2",
    "--platform=linux/arm64",
  ]);
  equal(verb, "resolve");
  deepEqual(args, []);
  deepEqual(options.filenames, ["config/", "extra.yaml", "-"]);
  equal(options.recursive, true);
  equal(options.selector, "app in (web,api)");
  deepEqual(options.tags, ["v2"]);
  deepEqual(options.platforms, ["linux/arm64"]);
  equal(options.push, true);
  equal(options.sbom, "spdx");
});

Deno.test("resolve takes no positional arguments", async () => {
  const run = await failure(["resolve", "-f", "x.yaml", "extra"]);
  equal(
    run.stderr,
    "Error: ko resolve takes no arguments, got 1 (\"extra\")\nRun 'ko resolve --help' for usage.\n",
  );
});

Deno.test("resolve, apply and create need at least one -f", async () => {
  for (const verb of ["resolve", "apply", "create"]) {
    const run = await failure([verb]);
    match(run.stderr, new RegExp(`^Error: ko ${verb} needs input: pass -f with a file`));
  }
});

Deno.test("apply passes everything after -- to kubectl and takes --kubeconfig", async () => {
  const { verb, args, options } = await call([
    "apply",
    "-f",
    "config/",
    "--kubeconfig",
    "/tmp/kc",
    "--",
    "--namespace=staging",
    "-f",
    "not-ours.yaml",
  ]);
  equal(verb, "apply");
  deepEqual(args, ["--namespace=staging", "-f", "not-ours.yaml"]);
  deepEqual(options.filenames, ["config/"]);
  equal(options.kubeconfig, "/tmp/kc");
});

Deno.test("create behaves like apply", async () => {
  const { verb, args, options } = await call(["create", "-f", "a.yaml", "--", "--dry-run=client"]);
  equal(verb, "create");
  deepEqual(args, ["--dry-run=client"]);
  equal(options.kubeconfig, "");
});

Deno.test("run splits import paths before -- from kubectl arguments after it", async () => {
  const { verb, args, options } = await call([
    "run",
    "./test",
    "--",
    "--labels=foo=bar",
    "--",
    "-wait=false",
  ]);
  equal(verb, "run");
  deepEqual(args, ["./test"]);
  deepEqual(options.kubectlArgs, ["--labels=foo=bar", "--", "-wait=false"]);
});

Deno.test("run accepts ko flags before or after the import path", async () => {
  for (
    const argv of [
      ["run", "--platform=linux/arm64", "-L", "./cmd"],
      ["run", "./cmd", "--platform=linux/arm64", "-L"],
    ]
  ) {
    const { args, options } = await call(argv);
    deepEqual(args, ["./cmd"], argv.join(" "));
    deepEqual(options.platforms, ["linux/arm64"]);
    equal(options.local, true);
    deepEqual(options.kubectlArgs, []);
  }
});

Deno.test("run needs an import path before --", async () => {
  const run = await failure(["run", "--", "--image=x"]);
  match(run.stderr, /^Error: ko run: no importpaths listed\n/);
  match((await failure(["run"])).stderr, /no importpaths listed/);
});

Deno.test("run points kubectl flags given before -- to the right place", async () => {
  const run = await failure(["run", "./cmd", "--labels=a=b"]);
  match(run.stderr, /^Error: unknown flag: --labels \(flags for kubectl go after --\)\n/);
});

Deno.test("apply and create reject flags they do not know before --, pointing kubectl flags after it", async () => {
  for (const verb of ["apply", "create"]) {
    const r = await failure([verb, "-f", "x.yaml", "--namespace=staging"]);
    match(r.stderr, /^Error: unknown flag: --namespace \(flags for kubectl go after --\)\n/);
  }
});

Deno.test("delete passes its arguments to kubectl verbatim, unknown flags included", async () => {
  const argv = ["-f", "config/", "--wait=false", "-l", "app=web", "--", "x"];
  const { verb, args } = await call(["delete", ...argv]);
  equal(verb, "delete");
  deepEqual(args, argv);
});

Deno.test("delete keeps kubectl's own -v instead of ko's", async () => {
  const { args } = await call(["delete", "-v=6", "pod", "x"]);
  deepEqual(args, ["-v=6", "pod", "x"]);
});

Deno.test("delete --help shows ko's help instead of calling kubectl", async () => {
  const run = await ko(["delete", "--help"]);
  equal(run.code, 0);
  equal(run.calls.length, 0);
  match(run.stdout, /Usage:\n {2}ko delete \[kubectl delete args\.\.\.\]/);
});

Deno.test("login takes exactly one registry and the credentials", async () => {
  const { verb, args, options } = await call(["login", "ghcr.io", "-u", "me", "-p", "pw"]);
  equal(verb, "login");
  deepEqual(args, ["ghcr.io"]);
  deepEqual(options, { username: "me", password: "pw" });
  match(
    (await failure(["login", "-u", "me", "-p", "pw"])).stderr,
    /^Error: ko login takes exactly 1 argument \(the registry\), got none\n/,
  );
  match(
    (await failure(["login", "a", "b", "-u", "me", "-p", "pw"])).stderr,
    /takes exactly 1 argument \(the registry\), got 2 \("a" "b"\)/,
  );
});

Deno.test("login --password-stdin reads the password and drops one trailing newline", async () => {
  const { options } = await call(["login", "quay.io", "-u", "me", "--password-stdin"], {
    stdin: "s3cret\r\n",
  });
  deepEqual(options, { username: "me", password: "s3cret" });
  const kept = await call(["login", "quay.io", "-u", "me", "--password-stdin"], {
    stdin: "two\n\n",
  });
  equal(kept.options.password, "two\n");
});

Deno.test("login needs a username or a password", async () => {
  const run = await failure(["login", "ghcr.io"]);
  equal(run.stderr, "Error: username and password required\n");
  // ko stores a username with an empty password; that login could only fail later.
  const noPassword = await failure(["login", "ghcr.io", "-u", "me"]);
  equal(noPassword.stderr, "Error: a password is required: pass -p or --password-stdin\n");
  const emptyStdin = await failure(["login", "ghcr.io", "-u", "me", "--password-stdin"]);
  equal(emptyStdin.stderr, "Error: the password read from stdin is empty\n");
});

Deno.test("login refuses --password together with --password-stdin, without echoing it", async () => {
  const run = await failure(["login", "r.io", "-u", "me", "-p", "hunter2", "--password-stdin"]);
  match(run.stderr, /--password and --password-stdin cannot be used together/);
  equal(run.stderr.includes("hunter2"), false);
});

Deno.test("deps takes one import path, --sbom and --platform", async () => {
  const plain = await call(["deps", "./cmd/app"]);
  equal(plain.verb, "deps");
  deepEqual(plain.args, ["./cmd/app"]);
  deepEqual(plain.options, { sbom: "", platforms: [] });
  const sbom = await call(["deps", "--sbom=cyclonedx", "--platform", "linux/arm64", "./x"]);
  deepEqual(sbom.options, { sbom: "cyclonedx", platforms: ["linux/arm64"] });
  match((await failure(["deps", "--sbom=none", "./x"])).stderr, /expected one of "", spdx/);
  match((await failure(["deps"])).stderr, /ko deps takes exactly 1 argument/);
});

Deno.test("the global -v is accepted before the verb and among the verb's flags", async () => {
  equal((await call(["-v", "build"])).verb, "build");
  equal((await call(["build", "-v", "./x"])).verb, "build");
  equal((await call(["--verbose=true", "resolve", "-f", "a"])).verb, "resolve");
  match((await failure(["--fast", "build"])).stderr, /^Error: unknown flag: --fast\n/);
});
