/**
 * Podman's Docker-compatible API (`podman system service`, Debian's podman 4.3) on a private
 * unix socket, with its own root, runroot, tmp dir, storage.conf and containers.conf (runc,
 * cgroupfs, no network), so images can be loaded and containers run without touching the
 * machine's podman state. Same shape as docker_engine.ts; `docker(...)` runs the docker CLI
 * against it, `podman(...)` the podman CLI on the same storage.
 */

import { type DockerDaemon, finishStart } from "./docker_engine.ts";
import { findExecutable, run, type RunResult, tempDir } from "./tools.ts";

/** A running podman service. */
export interface PodmanService extends DockerDaemon {
  /** Runs the podman CLI on the service's storage. */
  podman(args: string[], opts?: { stdin?: string | Uint8Array }): Promise<RunResult>;
}

/** Why the podman service cannot run here, or undefined when it can (for `requires`, requires.ts). */
export function podmanUnavailableReason(): string | undefined {
  if (Deno.build.os !== "linux") return "podman tests need Linux";
  for (const bin of ["podman", "runc", "conmon"]) {
    if (!findExecutable(bin)) return `${bin} is not installed (run scripts/install-deps.sh)`;
  }
  if (Deno.uid() !== 0) return "the podman service is set up for root here";
  return undefined;
}

/** Starts `podman system service` on a private socket and waits until `/_ping` answers. */
export async function startPodmanService(): Promise<PodmanService> {
  const dir = await tempDir("ko-podman-");
  const s = dir.path;
  for (const d of ["tmp", "libpod-tmp", "net", "config"]) await Deno.mkdir(`${s}/${d}`);
  await Deno.writeTextFile(
    `${s}/containers.conf`,
    [
      "[containers]",
      'netns = "none"',
      'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]',
      "[engine]",
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = "${s}/events.log"`,
      `tmp_dir = "${s}/libpod-tmp"`,
      "[network]",
      `network_config_dir = "${s}/net"`,
      "",
    ].join("\n"),
  );
  await Deno.writeTextFile(
    `${s}/storage.conf`,
    `[storage]\ndriver = "overlay"\ngraphroot = "${s}/root"\nrunroot = "${s}/run"\n`,
  );
  const socket = `${s}/podman.sock`;
  const env: Record<string, string> = {
    CONTAINERS_CONF: `${s}/containers.conf`,
    CONTAINERS_STORAGE_CONF: `${s}/storage.conf`,
    TMPDIR: `${s}/tmp`,
  };
  const logPath = `${s}/podman.log`;
  const child = new Deno.Command("sh", {
    args: [
      "-c",
      'log=$1; shift; exec podman "$@" >"$log" 2>&1',
      "sh",
      logPath,
      `--root=${s}/root`,
      `--runroot=${s}/run`,
      "system",
      "service",
      "--time=0",
      `unix://${socket}`,
    ],
    env,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const podman = (args: string[], opts: { stdin?: string | Uint8Array } = {}) =>
    run("podman", [`--root=${s}/root`, `--runroot=${s}/run`, ...args], { env, stdin: opts.stdin });
  const daemon = await finishStart({
    dir,
    child,
    socket,
    logPath,
    what: "podman system service",
    env: { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: `${s}/config` },
    // Containers outlive the service (conmon): remove them first.
    beforeStop: async () => {
      await podman(["rm", "--all", "--force", "--time=0"]);
    },
  });
  return { ...daemon, podman };
}
