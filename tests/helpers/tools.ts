/**
 * Small helpers shared by the test infrastructure: running commands, temp dirs that clean up
 * after themselves, free loopback ports, skopeo and `go build` wrappers.
 */

/** What a finished command produced. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link run}. */
export interface RunOptions {
  cwd?: string;
  /** Extra environment variables (added to the inherited environment unless `clearEnv`). */
  env?: Record<string, string>;
  clearEnv?: boolean;
  /** Bytes or text fed to the command's stdin. */
  stdin?: string | Uint8Array;
}

/** Runs a command to completion and returns its exit code and decoded output; never throws for a non-zero exit. */
export async function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const command = new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: opts.env,
    clearEnv: opts.clearEnv,
    stdin: opts.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  });
  const child = command.spawn();
  if (opts.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    const data = typeof opts.stdin === "string" ? new TextEncoder().encode(opts.stdin) : opts.stdin;
    try {
      await writer.write(data);
      await writer.close();
    } catch {
      // The command may exit without reading its input; its exit code tells what happened.
    }
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Like {@link run}, but throws with the command line and its stderr when the exit code is not 0. */
export async function runOk(
  cmd: string,
  args: string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const res = await run(cmd, args, opts);
  if (res.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} exited with ${res.code}: ${(res.stderr || res.stdout).trim()}`,
    );
  }
  return res;
}

/** The absolute path of an executable found on PATH, or undefined. */
export function findExecutable(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    const path = `${dir}/${name}`;
    try {
      const st = Deno.statSync(path);
      if (st.isFile && ((st.mode ?? 0o111) & 0o111) !== 0) return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Stops a child process: SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopProcess(child: Deno.ChildProcess, graceMs = 5000): Promise<void> {
  try {
    child.kill("SIGTERM");
  } catch {
    // already exited
  }
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited
    }
  }, graceMs);
  try {
    await child.status;
  } finally {
    clearTimeout(timer);
  }
}

/** A free TCP port on 127.0.0.1 (bound then released: callers must tolerate a rare collision). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Ports Deno's `fetch` refuses (the Fetch standard's "bad ports") that a test server may take
 * to prove registry traffic does not depend on that list, the likeliest free ones first.
 */
export const BLOCKED_PORT_CANDIDATES = [
  10080,
  6000,
  6665,
  6666,
  6667,
  6668,
  6669,
  6679,
  6697,
  6566,
  4190,
  4045,
];

/** The first of `candidates` that 127.0.0.1 can listen on now, or undefined. */
export function freePortAmong(candidates: readonly number[]): number | undefined {
  for (const port of candidates) {
    try {
      Deno.listen({ hostname: "127.0.0.1", port }).close();
      return port;
    } catch {
      // taken
    }
  }
  return undefined;
}

/** A temporary directory removed (after unmounting anything left mounted below it) by `remove()` or `await using`. */
export interface TempDir extends AsyncDisposable {
  path: string;
  remove(): Promise<void>;
}

/** Creates a temporary directory under the system temp dir; short paths keep unix sockets under 108 bytes. */
export async function tempDir(prefix = "ko-test-"): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix });
  let removed = false;
  const remove = async () => {
    if (removed) return;
    removed = true;
    await unmountUnder(path);
    await Deno.remove(path, { recursive: true }).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
  };
  return { path, remove, [Symbol.asyncDispose]: remove };
}

/** Unmounts every mount point at or below `dir`, deepest first (daemons leave overlay and shm mounts behind). */
export async function unmountUnder(dir: string): Promise<void> {
  let mounts: string;
  try {
    mounts = await Deno.readTextFile("/proc/self/mounts");
  } catch {
    return;
  }
  const points = mounts.split("\n")
    .map((line) => line.split(" ")[1] ?? "")
    .map((p) => p.replace(/\\(\d{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((p) => p === dir || p.startsWith(dir + "/"))
    .sort((a, b) => b.length - a.length);
  for (const point of points) {
    const res = await run("umount", [point]);
    if (res.code !== 0) await run("umount", ["-l", point]);
  }
}

/** Polls `probe` every `intervalMs` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 20));
  }
}

/** Whether process `pid` holds the TCP socket listening on 127.0.0.1:`port` (guards against a port taken by someone else). */
export async function ownsListeningPort(pid: number, port: number): Promise<boolean> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = await Deno.readTextFile(table);
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      const local = f[1] ?? "";
      if (f[3] !== "0A") continue; // LISTEN
      if (parseInt(local.split(":")[1] ?? "", 16) !== port) continue;
      if (f[9]) inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return false;
  try {
    for await (const entry of Deno.readDir(`/proc/${pid}/fd`)) {
      const link = await Deno.readLink(`/proc/${pid}/fd/${entry.name}`).catch(() => "");
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m && inodes.has(m[1]!)) return true;
    }
  } catch {
    return false;
  }
  return false;
}

/** Options shared by the skopeo wrappers: credentials and TLS settings for registries under test. */
export interface SkopeoRegistryOptions {
  /** `user:password` for `--creds` / `--src-creds` / `--dest-creds`. */
  creds?: string;
  /** Verify TLS (default false, so plain-HTTP loopback registries work). */
  tlsVerify?: boolean;
  /** A directory holding the test CA as `ca.crt` (implies TLS verification). */
  certDir?: string;
}

function skopeoTransportArgs(prefix: "" | "src-" | "dest-", o: SkopeoRegistryOptions): string[] {
  const args: string[] = [];
  if (o.certDir) args.push(`--${prefix}cert-dir=${o.certDir}`, `--${prefix}tls-verify=true`);
  else args.push(`--${prefix}tls-verify=${o.tlsVerify ?? false}`);
  if (o.creds) args.push(`--${prefix}creds=${o.creds}`);
  return args;
}

/**
 * `skopeo inspect` of a reference (`docker://…` is added when no transport is given), parsed as JSON.
 * `raw` returns the manifest as stored, `config` the image config.
 */
export async function skopeoInspect(
  ref: string,
  opts: SkopeoRegistryOptions & { raw?: boolean; config?: boolean } = {},
): Promise<Record<string, unknown>> {
  const args = ["inspect", ...skopeoTransportArgs("", opts)];
  if (opts.raw) args.push("--raw");
  if (opts.config) args.push("--config");
  args.push(withTransport(ref));
  const res = await run("skopeo", args);
  if (res.code !== 0) throw new Error(`skopeo inspect ${ref} failed: ${res.stderr.trim()}`);
  return JSON.parse(res.stdout) as Record<string, unknown>;
}

/** `skopeo copy` between two references (`docker://` added when no transport is given). */
export async function skopeoCopy(
  src: string,
  dst: string,
  opts: { src?: SkopeoRegistryOptions; dest?: SkopeoRegistryOptions; all?: boolean } = {},
): Promise<void> {
  const args = [
    "copy",
    "--quiet",
    ...skopeoTransportArgs("src-", opts.src ?? {}),
    ...skopeoTransportArgs("dest-", opts.dest ?? {}),
  ];
  if (opts.all) args.push("--all");
  args.push(withTransport(src), withTransport(dst));
  const res = await run("skopeo", args);
  if (res.code !== 0) throw new Error(`skopeo copy ${src} ${dst} failed: ${res.stderr.trim()}`);
}

function withTransport(ref: string): string {
  return /^[a-z-]+:/.test(ref) && !/^[^/]+:\d+\//.test(ref) && !ref.startsWith("localhost:")
    ? ref
    : `docker://${ref}`;
}

/**
 * Builds a standard-library-only Go program (one `main.go`) into a static binary, offline.
 * Returns the binary path inside `dir`.
 */
export async function goBuildFixture(
  dir: string,
  source: string,
  opts: { goos?: string; goarch?: string; goarm?: string; name?: string } = {},
): Promise<string> {
  const name = opts.name ?? "app";
  const src = `${dir}/${name}-src`;
  await Deno.mkdir(src, { recursive: true });
  await Deno.writeTextFile(`${src}/go.mod`, `module example.com/${name}\n\ngo 1.22\n`);
  await Deno.writeTextFile(`${src}/main.go`, source);
  const out = `${dir}/${name}`;
  const env: Record<string, string> = {
    CGO_ENABLED: "0",
    GOFLAGS: "-buildvcs=false",
    GOPROXY: "off",
    GOOS: opts.goos ?? "linux",
    GOARCH: opts.goarch ?? "amd64",
  };
  if (opts.goarm) env.GOARM = opts.goarm;
  await runOk("go", ["build", "-trimpath", "-ldflags=-s -w", "-o", out, "."], { cwd: src, env });
  return out;
}

/** Whether anything (a file, directory or symlink, even a dangling one) is at `path`. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** A loopback listener that accepts connections and never reads or answers them. */
export interface SilentListener extends AsyncDisposable {
  /** `127.0.0.1:PORT`. */
  host: string;
  /** The connections accepted so far. */
  conns: Deno.Conn[];
}

/** Starts a {@link SilentListener}; disposing it closes the listener and every connection. */
export function startSilentListener(): SilentListener {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) conns.push(conn); // never read, never answered
  })().catch(() => {});
  return {
    host: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    conns,
    async [Symbol.asyncDispose]() {
      listener.close();
      for (const c of conns) c.close();
      await accepting;
    },
  };
}
