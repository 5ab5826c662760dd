/**
 * A private Docker Engine (Debian's `dockerd`) for tests: its own unix socket, data-root,
 * exec-root, pidfile and daemon.json under a temp dir, no bridge and no iptables changes.
 * It treats 127.0.0.0/8 registries as insecure, so `docker pull 127.0.0.1:PORT/…` works.
 * Start it once per test file (one `Deno.test` with `t.step`s) and stop it in `finally`.
 *
 * @example
 * ```ts
 * Deno.test({ ...requires("…", dockerUnavailableReason()) }, async () => {
 *   await using engine = await startDockerEngine();
 *   const res = await engine.docker(["run", "--rm", "--network", "none", ref]);
 * });
 * ```
 */

import { findExecutable, run, type RunResult, stopProcess, tempDir, waitFor } from "./tools.ts";

/** A running daemon speaking the Docker Engine API on a unix socket. */
export interface DockerDaemon extends AsyncDisposable {
  /** Path of the unix socket. */
  socket: string;
  /** `unix://<socket>`, for DOCKER_HOST. */
  host: string;
  /** DOCKER_HOST and a private DOCKER_CONFIG, for running the docker CLI against this daemon. */
  env: Record<string, string>;
  /** Runs the docker CLI against this daemon. */
  docker(args: string[], opts?: { stdin?: string | Uint8Array }): Promise<RunResult>;
  /** An HTTP client that reaches the API over the socket (`fetch("http://d/_ping", { client })`). */
  client: Deno.HttpClient;
  /** The daemon's log so far. */
  logs(): string;
  /** Stops the daemon, waits for it to exit, unmounts what it left and removes its temp dir. */
  stop(): Promise<void>;
}

/** Why Docker Engine cannot run here, or undefined when it can (for `requires`, requires.ts). */
export function dockerUnavailableReason(): string | undefined {
  if (Deno.build.os !== "linux") return "Docker Engine tests need Linux";
  for (const bin of ["dockerd", "docker", "containerd", "runc"]) {
    if (!findExecutable(bin)) return `${bin} is not installed (run scripts/install-deps.sh)`;
  }
  if (Deno.uid() !== 0) return "dockerd needs root";
  return undefined;
}

/** Starts a private dockerd and waits until `/_ping` answers. */
export async function startDockerEngine(): Promise<DockerDaemon> {
  const dir = await tempDir("ko-docker-");
  const s = dir.path;
  const socket = `${s}/docker.sock`;
  await Deno.mkdir(`${s}/config`);
  // The trust key would otherwise go to /etc/docker/key.json.
  await Deno.writeTextFile(
    `${s}/daemon.json`,
    JSON.stringify({ "deprecated-key-path": `${s}/key.json` }),
  );
  const logPath = `${s}/dockerd.log`;
  const args = [
    `--config-file=${s}/daemon.json`,
    `--host=unix://${socket}`,
    `--data-root=${s}/data`,
    `--exec-root=${s}/exec`,
    `--pidfile=${s}/dockerd.pid`,
    "--bridge=none",
    "--iptables=false",
    "--ip6tables=false",
    "--ip-masq=false",
    "--shutdown-timeout=2",
  ];
  const child = new Deno.Command("sh", {
    args: ["-c", 'log=$1; shift; exec dockerd "$@" >"$log" 2>&1', "sh", logPath, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  return await finishStart({
    dir,
    child,
    socket,
    logPath,
    what: "dockerd",
    env: { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: `${s}/config` },
  });
}

/** Waits for a daemon's `/_ping` and wraps it as a {@link DockerDaemon}; shared with podman_service.ts. */
export async function finishStart(o: {
  dir: { path: string; remove(): Promise<void> };
  child: Deno.ChildProcess;
  socket: string;
  logPath: string;
  what: string;
  env: Record<string, string>;
  beforeStop?: () => Promise<void>;
}): Promise<DockerDaemon> {
  const client = Deno.createHttpClient({ proxy: { transport: "unix", path: o.socket } });
  let exited = false;
  o.child.status.then(() => exited = true);
  let finalLog: string | undefined;
  const logs = () => {
    if (finalLog !== undefined) return finalLog;
    try {
      return Deno.readTextFileSync(o.logPath);
    } catch {
      return "";
    }
  };
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      try {
        if (!exited) await o.beforeStop?.();
      } finally {
        await stopProcess(o.child, 20_000);
        finalLog = logs();
        client.close();
        await o.dir.remove();
      }
    })();
    return stopped;
  };
  try {
    await waitFor(`${o.what} to answer /_ping`, async () => {
      if (exited) throw new Error(`${o.what} exited`);
      try {
        const res = await fetch("http://d/_ping", { client });
        await res.body?.cancel();
        return res.ok ? true : undefined;
      } catch {
        return undefined;
      }
    }, { timeoutMs: 20_000, intervalMs: 25 });
  } catch (err) {
    const log = logs().split("\n").slice(-15).join("\n");
    await stop();
    throw new Error(`${o.what} did not start: ${(err as Error).message}\n${log}`);
  }
  const env = o.env;
  return {
    socket: o.socket,
    host: `unix://${o.socket}`,
    env,
    client,
    docker: (args, opts = {}) => run("docker", args, { env, stdin: opts.stdin }),
    logs,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
