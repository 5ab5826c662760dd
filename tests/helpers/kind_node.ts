/**
 * Stand-ins for kind nodes in a test Docker Engine. kind itself cannot run here (no kind
 * binary, and this sandbox refuses privileged containers), so each "node" is a container
 * labelled as kind labels its nodes (`io.x-k8s.kind.cluster`, `io.x-k8s.kind.role`) running the
 * machine's REAL containerd (Debian's `containerd` and `ctr`, copied into the image with the
 * libc they link), so `ctr --namespace=k8s.io images import/tag/ls` are the real thing. What
 * differs from kind: the node is not privileged (only CAP_SYS_ADMIN, for snapshot mounts) and uses containerd's `native` snapshotter,
 * and because `docker exec --privileged` is refused here too, {@link writeDockerShim} puts a
 * `docker` on PATH that drops `--privileged` (and records that it saw it) before calling the
 * real docker CLI.
 */
import { join } from "node:path";
import type { DockerDaemon } from "./docker_engine.ts";
import { findExecutable, run } from "./tools.ts";

/** The node image's name in the test daemon. */
export const NODE_IMAGE = "ko-test/fake-kind-node:containerd";

/** Host files the node image is made of (containerd and ctr link only libc). */
const NODE_FILES = [
  "usr/bin/containerd",
  "usr/bin/ctr",
  "lib/x86_64-linux-gnu/libc.so.6",
  "lib64/ld-linux-x86-64.so.2",
];

/** Why fake kind nodes cannot be made here, or undefined when they can. */
export function kindNodeUnavailableReason(): string | undefined {
  if (Deno.build.arch !== "x86_64") return "the node image copies x86_64 host binaries";
  for (const bin of ["containerd", "ctr"]) {
    if (!findExecutable(bin)) return `${bin} is not installed (Debian package containerd)`;
  }
  for (const f of NODE_FILES) {
    try {
      Deno.statSync(`/${f}`);
    } catch {
      return `/${f} is missing`;
    }
  }
  return undefined;
}

/** Builds the node image (once per daemon) from the host's containerd. */
export async function buildNodeImage(docker: DockerDaemon, workDir: string): Promise<void> {
  const root = join(workDir, "node-root");
  await Deno.mkdir(join(root, "etc", "containerd"), { recursive: true });
  await Deno.writeTextFile(
    join(root, "etc", "containerd", "config.toml"),
    'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n',
  );
  const tar = join(workDir, "node.tar");
  const made = await run("sh", [
    "-c",
    `tar -C / -chf "$1" ${NODE_FILES.join(" ")} && tar -C "$2" -rf "$1" etc`,
    "sh",
    tar,
    root,
  ]);
  if (made.code !== 0) throw new Error(`making the node image tar: ${made.stderr}`);
  const imported = await docker.docker([
    "import",
    "--change",
    'ENTRYPOINT ["/usr/bin/containerd"]',
    tar,
    NODE_IMAGE,
  ]);
  if (imported.code !== 0) throw new Error(`docker import: ${imported.stderr}`);
}

/** Starts one node container of a cluster and waits until its containerd answers. */
export async function startKindNode(
  docker: DockerDaemon,
  o: { cluster: string; name: string; role: string },
): Promise<void> {
  const started = await docker.docker([
    "run",
    "-d",
    "--network",
    "none",
    // Unpacking layers mounts snapshots: that much privilege is allowed here.
    "--cap-add",
    "SYS_ADMIN",
    "--security-opt",
    "seccomp=unconfined",
    "--security-opt",
    "apparmor=unconfined",
    "--tmpfs",
    "/var/lib/containerd",
    "--tmpfs",
    "/run",
    "--tmpfs",
    "/tmp",
    "--env",
    "CONTAINERD_SNAPSHOTTER=native",
    "--label",
    `io.x-k8s.kind.cluster=${o.cluster}`,
    "--label",
    `io.x-k8s.kind.role=${o.role}`,
    "--name",
    o.name,
    NODE_IMAGE,
  ]);
  if (started.code !== 0) throw new Error(`starting node ${o.name}: ${started.stderr}`);
  for (let i = 0; i < 100; i++) {
    const r = await docker.docker(["exec", o.name, "ctr", "version"]);
    if (r.code === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  const logs = await docker.docker(["logs", o.name]);
  throw new Error(`containerd in ${o.name} did not start:\n${logs.stderr.slice(-2000)}`);
}

/** The images in a node's `k8s.io` namespace (`ctr images ls -q`), sorted. */
export async function nodeImages(docker: DockerDaemon, node: string): Promise<string[]> {
  const r = await docker.docker(["exec", node, "ctr", "--namespace=k8s.io", "images", "ls", "-q"]);
  if (r.code !== 0) throw new Error(`ctr images ls in ${node}: ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l !== "").sort();
}

/**
 * Writes `<dir>/docker`: calls the real docker CLI without `--privileged` (refused by this
 * sandbox), appending each argv to `<dir>/docker.log` so tests can check what ko asked for.
 */
export async function writeDockerShim(dir: string): Promise<{ log: string }> {
  const real = findExecutable("docker");
  if (!real) throw new Error("docker CLI not found");
  await Deno.mkdir(dir, { recursive: true });
  const log = join(dir, "docker.log");
  await Deno.writeTextFile(
    join(dir, "docker"),
    `#!/bin/sh
printf '%s\\n' "$*" >> "${log}"
for a in "$@"; do
  shift
  [ "$a" = --privileged ] || set -- "$@" "$a"
done
exec "${real}" "$@"
`,
    { mode: 0o755 },
  );
  return { log };
}
