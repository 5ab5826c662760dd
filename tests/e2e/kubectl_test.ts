/**
 * ko apply / create / delete / run end to end: real Go builds pushed to a real registry, and
 * kubectl invoked with the exact arguments, stdin and exit-code handling ko has.
 *
 * What is real and what is not: the first test uses a FAKE kubectl
 * (tests/helpers/fake_kubectl.ts) that records its exact argv and stdin (priming included) and
 * exits as told, plus the REAL kubectl against an address where nothing listens. The second test
 * is all real: kubectl against a real kube-apiserver and etcd (tests/helpers/kube_apiserver.ts).
 * No package ships those, so they are built from the Go module proxy by
 * scripts/install-kube-test-server.sh, which the suite's scripts/install-test-tools.sh runs
 * (about 10 minutes cold on 2 cores, then cached); the second test is ignored, with the reason in
 * its name, where they have not been built.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { parse } from "../../src/deps/yaml.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { skopeoInspect, tempDir } from "../helpers/tools.ts";
import { ko } from "../helpers/ko_cli.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { writeFakeKubectl } from "../helpers/fake_kubectl.ts";
import { kubeApiserverUnavailableReason, startKubeApiserver } from "../helpers/kube_apiserver.ts";
import { programsMissing, requires } from "../helpers/requires.ts";
import { md5Hex } from "../../src/publish/naming.ts";
import { KUBECTL_PRIMING } from "../../src/kube/kubectl_pipe.ts";

const APP = "example.com/kube/cmd/hello";
const APP_NAME = `hello-${md5Hex(APP)}`;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello # the app
spec:
  template:
    spec:
      containers:
        - name: hello
          image: ko://example.com/kube/cmd/hello
`;

Deno.test("ko apply, create, delete and run drive kubectl", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/kube",
    files: {
      "cmd/hello/main.go": PRINT_KODATA_MAIN,
      "cmd/hello/kodata/hello.txt": "Hello\n",
      "config/deploy.yaml": DEPLOYMENT,
      "config/bad.yaml": "image: ko://example.com/kube/cmd/missing\n",
    },
  });
  const kubectl = await writeFakeKubectl(join(tmp.path, "fake"));
  const repo = `${registry.host}/kube`;
  const env = (extra: Record<string, string> = {}) =>
    kubectl.env({ KO_DOCKER_REPO: repo, KO_DEFAULTBASEIMAGE: bases.ociImage.ref, ...extra });
  const kubeconfig = join(tmp.path, "kubeconfig");

  const resolved = await ko(["resolve", "-f", "config/deploy.yaml"], { cwd: src, env: env() });
  equal(resolved.code, 0, resolved.stderr);

  for (const verb of ["apply", "create"]) {
    await t.step(
      `${verb} streams the primed, resolved YAML into kubectl ${verb} -f -`,
      async () => {
        await kubectl.reset();
        const r = await ko([
          verb,
          "-f",
          "config/deploy.yaml",
          "--kubeconfig",
          kubeconfig,
          "--",
          "--namespace=staging",
          "--server-side",
        ], { cwd: src, env: env({ KUBECONFIG: "/from/env" }) });
        equal(r.code, 0, r.stderr);
        const [call, ...more] = await kubectl.calls();
        equal(more.length, 0);
        deepEqual(call!.argv, [
          verb,
          "-f",
          "-",
          "--kubeconfig",
          kubeconfig,
          "--namespace=staging",
          "--server-side",
        ]);
        ok(call!.stdin.startsWith(KUBECTL_PRIMING), "stdin starts with 1000 ---");
        equal(KUBECTL_PRIMING, "---\n".repeat(1000));
        equal(call!.stdin.slice(KUBECTL_PRIMING.length), resolved.stdout);
        equal(call!.kubeconfigEnv, "/from/env");
        // kubectl's own output reaches ko's stdout and stderr.
        equal(r.stdout, `fake kubectl: ${verb} done\n`);
        match(r.stderr, /fake kubectl: stderr line/);
      },
    );
  }

  await t.step("the YAML kubectl gets names a pushed image", async () => {
    const [call] = await kubectl.calls();
    const doc = parse(call!.stdin.slice(KUBECTL_PRIMING.length).split("\n---\n")[0]!);
    const image = doc.spec.template.spec.containers[0].image as string;
    match(image, new RegExp(`^${repo}/${APP_NAME}@sha256:[0-9a-f]{64}$`));
    equal((await skopeoInspect(image)).Digest, image.split("@")[1]);
    match(call!.stdin, /name: hello # the app\n/); // comments survive
  });

  await t.step("a failing kubectl is ko's error with its exit status", async () => {
    await kubectl.reset();
    const r = await ko(["apply", "-f", "config/deploy.yaml"], {
      cwd: src,
      env: env({ FAKE_KUBECTL_EXIT: "3" }),
    });
    equal(r.code, 1);
    match(r.stderr, /Error: error executing 'kubectl apply': exit status 3\n$/);
    equal((await kubectl.calls()).length, 1);
  });

  await t.step("kubectl exiting without reading stops the resolution", async () => {
    await kubectl.reset();
    const r = await ko(["create", "-f", "config/deploy.yaml"], {
      cwd: src,
      env: env({ FAKE_KUBECTL_EXIT: "1", FAKE_KUBECTL_STDIN: "ignore" }),
    });
    equal(r.code, 1);
    match(r.stderr, /Error: error executing 'kubectl create': exit status 1\n$/);
  });

  await t.step("kubectl exiting 0 without reading is an error, not an interrupt", async () => {
    await kubectl.reset();
    const r = await ko(["apply", "-f", "config/deploy.yaml"], {
      cwd: src,
      env: env({ FAKE_KUBECTL_STDIN: "ignore" }),
    });
    equal(r.code, 1, r.stderr);
    match(
      r.stderr,
      /Error: error executing 'kubectl apply': kubectl exited before reading all the YAML\n$/,
    );
  });

  await t.step("a YAML error is reported instead of kubectl's", async () => {
    await kubectl.reset();
    const r = await ko(["apply", "-f", "config/bad.yaml"], { cwd: src, env: env() });
    equal(r.code, 1);
    match(r.stderr, /Error: error processing import paths in "config\/bad\.yaml"/);
    ok(!r.stderr.includes("executing 'kubectl"), r.stderr);
  });

  await t.step("delete passes its arguments and stdin to kubectl delete", async () => {
    await kubectl.reset();
    const r = await ko(
      ["delete", "-f", "-", "--wait=false", "--kubeconfig", kubeconfig, "-l", "app=web"],
      { cwd: src, env: env(), stdin: "kind: Pod\n" },
    );
    equal(r.code, 0, r.stderr);
    const [call] = await kubectl.calls();
    deepEqual(call!.argv, [
      "delete",
      "-f",
      "-",
      "--wait=false",
      "--kubeconfig",
      kubeconfig,
      "-l",
      "app=web",
    ]);
    equal(call!.stdin, "kind: Pod\n");
    equal(r.stdout, "fake kubectl: delete done\n");
  });

  await t.step("delete reports kubectl's failure", async () => {
    const r = await ko(["delete", "pod", "x"], { cwd: src, env: env({ FAKE_KUBECTL_EXIT: "1" }) });
    equal(r.code, 1);
    match(r.stderr, /Error: error executing 'kubectl delete': exit status 1\n$/);
  });

  await t.step("run builds, publishes and runs kubectl run with ko's defaults", async () => {
    await kubectl.reset();
    const r = await ko([
      "run",
      "./cmd/hello",
      "--kubeconfig",
      kubeconfig,
      "--",
      "--labels=foo=bar",
      "--",
      "-wait=false",
    ], { cwd: src, env: env() });
    equal(r.code, 0, r.stderr);
    const [call, ...more] = await kubectl.calls();
    equal(more.length, 0);
    const image = call!.argv[3]!;
    match(image, new RegExp(`^${repo}/${APP_NAME}@sha256:[0-9a-f]{64}$`));
    deepEqual(call!.argv, [
      "run",
      APP_NAME,
      "--image",
      image,
      "--attach",
      "--rm",
      "--restart=Never",
      "--log-flush-frequency=1s",
      "--kubeconfig",
      kubeconfig,
      "--labels=foo=bar",
      "--",
      "-wait=false",
    ]);
    match(r.stderr, new RegExp(`Running "ko://${APP.replaceAll(".", "\\.")}"`));
    ok(r.stderr.includes(`$ kubectl ${call!.argv.join(" ")}`), r.stderr);
    equal(r.stdout, "fake kubectl: run done\n");
  });

  await t.step("run reports kubectl's failure", async () => {
    const r = await ko(["run", "./cmd/hello"], { cwd: src, env: env({ FAKE_KUBECTL_EXIT: "2" }) });
    equal(r.code, 1);
    match(r.stderr, /Error: error executing 'kubectl run': exit status 2\n$/);
  });

  await t.step("a bad selector or publisher setting fails before kubectl is started", async () => {
    for (const verb of ["apply", "create"]) {
      await kubectl.reset();
      let r = await ko([verb, "-f", "config/deploy.yaml", "-l", "app in (web"], {
        cwd: src,
        env: env(),
      });
      equal(r.code, 1);
      match(r.stderr, /^Error: unable to parse selector "app in \(web": /);
      r = await ko([verb, "-f", "config/deploy.yaml"], {
        cwd: src,
        env: env({ KO_DOCKER_REPO: "" }),
      });
      equal(r.code, 1);
      match(r.stderr, /^Error: KO_DOCKER_REPO environment variable is unset/);
      // Not even started: a kubectl killed while reading would leave only argv.0.tmp.
      deepEqual(await Array.fromAsync(Deno.readDir(env().FAKE_KUBECTL_DIR!)), [], verb);
    }
  });

  await t.step("without kubectl on PATH the verbs fail before building", async () => {
    const empty = join(tmp.path, "empty");
    await Deno.mkdir(empty);
    for (const verb of ["apply", "create", "delete", "run"]) {
      const args = verb === "run" ? ["./cmd/hello"] : ["-f", "config/deploy.yaml"];
      const r = await ko([verb, ...args], { cwd: src, env: env({ PATH: empty }) });
      equal(r.code, 1, verb);
      equal(
        r.stderr,
        `Error: error: kubectl is not available. kubectl must be installed to use ko ${verb}\n`,
      );
    }
  });

  await t.step({
    ...requires(
      "the real kubectl gets --kubeconfig and the YAML; its failure is ko's",
      programsMissing("kubectl"),
    ),
    fn: async () => {
      // Nothing listens on port 1: kubectl reads the config and the stream, then cannot connect.
      await Deno.writeTextFile(
        kubeconfig,
        `apiVersion: v1
kind: Config
clusters:
  - name: nowhere
    cluster: {server: "http://127.0.0.1:1"}
contexts:
  - name: nowhere
    context: {cluster: nowhere, user: nobody}
current-context: nowhere
users:
  - name: nobody
    user: {}
`,
      );
      const r = await ko(["apply", "-f", "config/deploy.yaml", "--kubeconfig", kubeconfig], {
        cwd: src,
        env: { KO_DOCKER_REPO: repo, KO_DEFAULTBASEIMAGE: bases.ociImage.ref },
      });
      equal(r.code, 1);
      match(r.stderr, /127\.0\.0\.1:1/); // kubectl's own message names the kubeconfig's server
      match(r.stderr, /Error: error executing 'kubectl apply': exit status 1\n$/);
    },
  });
});

const REAL_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  labels: {app: hello}
spec:
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      containers:
        - name: hello
          image: ko://example.com/kube/cmd/hello
---
apiVersion: v1
kind: ConfigMap
metadata: {name: hello-config}
data: {greeting: hi}
`;

Deno.test({
  ...requires(
    "ko apply, create, delete and run against a real kube-apiserver",
    kubeApiserverUnavailableReason(),
  ),
}, async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  await using kube = await startKubeApiserver();
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/kube",
    files: {
      "cmd/hello/main.go": PRINT_KODATA_MAIN,
      "cmd/hello/kodata/hello.txt": "Hello\n",
      "config/app.yaml": REAL_DEPLOYMENT,
    },
  });
  const repo = `${registry.host}/kube`;
  const env = { KO_DOCKER_REPO: repo, KO_DEFAULTBASEIMAGE: bases.ociImage.ref };
  const kc = ["--kubeconfig", kube.kubeconfig];
  const deployedImage = async () => {
    const r = await kube.kubectl([
      "get",
      "deployment",
      "hello",
      "-o",
      "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    return r.code === 0 ? r.stdout : undefined;
  };

  await t.step("apply creates the objects with the pushed image", async () => {
    const r = await ko(["apply", "-f", "config/app.yaml", ...kc], { cwd: src, env });
    equal(r.code, 0, r.stderr);
    match(r.stdout, /deployment\.apps\/hello created\nconfigmap\/hello-config created\n/);
    const image = await deployedImage();
    match(image!, new RegExp(`^${repo}/${APP_NAME}@sha256:[0-9a-f]{64}$`));
    equal((await skopeoInspect(image!)).Digest, image!.split("@")[1]);
  });

  await t.step("apply again leaves them unchanged", async () => {
    const r = await ko(["apply", "-f", "config/app.yaml", ...kc], { cwd: src, env });
    equal(r.code, 0, r.stderr);
    match(r.stdout, /deployment\.apps\/hello unchanged/);
  });

  await t.step("create of existing objects is kubectl's failure, reported by ko", async () => {
    const r = await ko(["create", "-f", "config/app.yaml", ...kc], { cwd: src, env });
    equal(r.code, 1);
    match(r.stderr, /already exists/);
    match(r.stderr, /Error: error executing 'kubectl create': exit status 1\n$/);
  });

  await t.step("delete removes them; create makes them again", async () => {
    const del = await ko(["delete", "-f", "config/app.yaml", ...kc], { cwd: src, env });
    equal(del.code, 0, del.stderr);
    match(del.stdout, /deployment\.apps "hello" deleted/);
    equal(await deployedImage(), undefined);
    const created = await ko(["create", "-f", "config/app.yaml", ...kc, "--", "--save-config"], {
      cwd: src,
      env,
    });
    equal(created.code, 0, created.stderr);
    match(created.stdout, /deployment\.apps\/hello created/);
  });

  await t.step("run creates the pod kubectl run asks for (and --rm deletes it)", async () => {
    // No kubelet runs here, so the pod never starts: kubectl gives up after the timeout.
    const r = await ko([
      "run",
      "./cmd/hello",
      ...kc,
      "--",
      "--pod-running-timeout=2s",
      "--labels=foo=bar",
      "--",
      "-wait=false",
    ], { cwd: src, env });
    equal(r.code, 1);
    match(r.stderr, /Error: error executing 'kubectl run': exit status 1\n$/);
    const audit = await kube.podAudit();
    const create = audit.find((e) => e.verb === "create");
    const pod = create?.requestObject as {
      metadata: { name: string; labels: Record<string, string> };
      spec: { containers: Array<{ image: string; args?: string[] }>; restartPolicy: string };
    };
    equal(pod.metadata.name, APP_NAME);
    deepEqual(pod.metadata.labels, { foo: "bar" });
    match(pod.spec.containers[0]!.image, new RegExp(`^${repo}/${APP_NAME}@sha256:`));
    deepEqual(pod.spec.containers[0]!.args, ["-wait=false"]);
    equal(pod.spec.restartPolicy, "Never");
    ok(audit.some((e) => e.verb === "delete" && e.name === APP_NAME), "--rm deleted the pod");
  });
});
