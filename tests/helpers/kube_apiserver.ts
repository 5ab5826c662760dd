/**
 * A real Kubernetes API server for kubectl tests: etcd and kube-apiserver built from the Go
 * module proxy by scripts/install-kube-test-server.sh (no package ships them), on loopback
 * ports, with a static bearer token, AlwaysAllow authorization, the ServiceAccount admission
 * plugin off (no controller-manager creates the default service account) and an audit log of
 * pod requests. There is no scheduler or kubelet: objects are stored, pods never run.
 */
import { join } from "node:path";
import { freePort, run, type RunResult, stopProcess, tempDir, waitFor } from "./tools.ts";

/** Where the install script puts the binaries. */
export function kubeBinDir(): string {
  const cache = Deno.env.get("KO_TEST_CACHE") ??
    join(
      Deno.env.get("XDG_CACHE_HOME") ?? join(Deno.env.get("HOME") ?? "/root", ".cache"),
      "ko-ts",
    );
  const root = Deno.env.get("KO_TEST_KUBE_DIR") ?? join(cache, "kube");
  return join(root, "bin");
}

/** Why the API server cannot run here, or undefined when it can. */
export function kubeApiserverUnavailableReason(): string | undefined {
  for (const bin of ["kube-apiserver", "etcd"]) {
    try {
      Deno.statSync(join(kubeBinDir(), bin));
    } catch {
      return `${join(kubeBinDir(), bin)} is missing (run scripts/install-test-tools.sh)`;
    }
  }
  return undefined;
}

/** A running API server. */
export interface KubeApiserver extends AsyncDisposable {
  /** A kubeconfig file for it. */
  kubeconfig: string;
  /** Runs the real kubectl against it. */
  kubectl(args: string[]): Promise<RunResult>;
  /** The audited pod requests so far (create and delete, with the request object). */
  podAudit(): Promise<
    Array<{ verb: string; name: string; requestObject?: Record<string, unknown> }>
  >;
  stop(): Promise<void>;
}

const TOKEN = "ko-test-token";

/** Starts etcd and kube-apiserver and waits until `/readyz` answers ok. */
export async function startKubeApiserver(): Promise<KubeApiserver> {
  const dir = await tempDir("ko-kube-");
  const s = dir.path;
  const bin = kubeBinDir();
  const etcdPort = freePort();
  const peerPort = freePort();
  const apiPort = freePort();
  await run("openssl", ["genrsa", "-out", join(s, "sa.key"), "2048"]);
  await Deno.writeTextFile(join(s, "tokens.csv"), `${TOKEN},admin,admin,system:masters\n`);
  await Deno.writeTextFile(
    join(s, "audit.yaml"),
    `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Request
    resources: [{group: "", resources: [pods]}]
    verbs: [create, delete]
  - level: None
`,
  );
  const spawn = (cmd: string, args: string[], log: string) =>
    new Deno.Command("sh", {
      args: ["-c", 'log=$1; shift; exec "$@" >"$log" 2>&1', "sh", join(s, log), cmd, ...args],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  const etcd = spawn(join(bin, "etcd"), [
    `--data-dir=${join(s, "etcd")}`,
    `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
    `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
    `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
    `--initial-cluster=default=http://127.0.0.1:${peerPort}`,
  ], "etcd.log");
  const api = spawn(join(bin, "kube-apiserver"), [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    "--bind-address=127.0.0.1",
    "--advertise-address=127.0.0.1",
    `--secure-port=${apiPort}`,
    `--cert-dir=${join(s, "certs")}`,
    "--service-account-issuer=https://kubernetes.default.svc",
    `--service-account-key-file=${join(s, "sa.key")}`,
    `--service-account-signing-key-file=${join(s, "sa.key")}`,
    `--token-auth-file=${join(s, "tokens.csv")}`,
    "--authorization-mode=AlwaysAllow",
    "--service-cluster-ip-range=10.96.0.0/16",
    "--disable-admission-plugins=ServiceAccount",
    `--audit-policy-file=${join(s, "audit.yaml")}`,
    `--audit-log-path=${join(s, "audit.log")}`,
  ], "apiserver.log");
  const kubeconfig = join(s, "kubeconfig");
  await Deno.writeTextFile(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster: {server: "https://127.0.0.1:${apiPort}", insecure-skip-tls-verify: true}
users:
  - name: admin
    user: {token: ${TOKEN}}
contexts:
  - name: test
    context: {cluster: test, user: admin, namespace: default}
current-context: test
`,
  );
  let stopped: Promise<void> | undefined;
  const stop = () =>
    stopped ??= (async () => {
      await stopProcess(api, 10_000);
      await stopProcess(etcd, 10_000);
      await dir.remove();
    })();
  try {
    await waitFor("kube-apiserver /readyz", async () => {
      try {
        // The serving certificate is self-signed: ask kubectl, which honours insecure-skip.
        const r = await run("kubectl", ["--kubeconfig", kubeconfig, "get", "--raw", "/readyz"]);
        return r.code === 0 && r.stdout.trim() === "ok" ? true : undefined;
      } catch {
        return undefined;
      }
    }, { timeoutMs: 60_000, intervalMs: 200 });
  } catch (e) {
    let log = "";
    try {
      log = (await Deno.readTextFile(join(s, "apiserver.log"))).split("\n").slice(-20).join("\n");
    } catch { /* no log */ }
    await stop();
    throw new Error(`kube-apiserver did not start: ${(e as Error).message}\n${log}`);
  }
  return {
    kubeconfig,
    kubectl: (args) => run("kubectl", ["--kubeconfig", kubeconfig, ...args]),
    async podAudit() {
      let text = "";
      try {
        text = await Deno.readTextFile(join(s, "audit.log"));
      } catch { /* nothing audited yet */ }
      return text.split("\n").filter((l) => l.trim() !== "").map((l) => {
        const e = JSON.parse(l);
        return { verb: e.verb, name: e.objectRef?.name ?? "", requestObject: e.requestObject };
      });
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
