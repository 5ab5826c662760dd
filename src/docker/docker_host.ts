/**
 * Where the Docker Engine API is: `DOCKER_HOST` (`unix:///path`, `tcp://host:port` with
 * `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`), else the current Docker context (`DOCKER_CONTEXT`
 * or `currentContext` in the docker config), else `/var/run/docker.sock`, else a podman
 * socket serving the Docker API (`$XDG_RUNTIME_DIR/podman/podman.sock`,
 * `/run/podman/podman.sock`) when only that one exists. ko reads `DOCKER_HOST` only; contexts
 * and the podman fallback are ours (ko issue #771).
 */
import { join } from "node:path";
import type { Env } from "../util/command.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { sha256, toHex } from "../util/hash.ts";

/** TLS material for a `tcp://` endpoint (PEM text). */
interface DockerTls {
  /** CA certificate(s) to verify the daemon with; the system store when absent. */
  readonly caCert?: string;
  /** Client certificate and key, when the daemon verifies clients. */
  readonly cert?: string;
  readonly key?: string;
}

/** A resolved Docker API endpoint. */
export type DockerEndpoint =
  | {
    readonly kind: "unix";
    /** Socket path. */
    readonly path: string;
    /** The endpoint as a URL, for messages (`unix:///var/run/docker.sock`). */
    readonly url: string;
    /** Where it came from (`DOCKER_HOST`, `docker context "x"`, `default`…), for messages. */
    readonly source: string;
  }
  | {
    readonly kind: "tcp";
    /** `host:port`. */
    readonly address: string;
    readonly url: string;
    readonly source: string;
    readonly tls?: DockerTls;
  };

/** The socket Docker listens on by default. */
export const DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";

/** Filesystem access the resolution needs (tests pass their own). */
export interface EndpointFs {
  exists(path: string): boolean;
  readText(path: string): string | undefined;
}

const realFs: EndpointFs = {
  exists(path) {
    try {
      Deno.statSync(path);
      return true;
    } catch {
      return false;
    }
  },
  readText(path) {
    try {
      return Deno.readTextFileSync(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw new KoError(`cannot read "${path}": ${errorMessage(e)}`);
    }
  },
};

/**
 * Resolves the Docker endpoint from the environment.
 *
 * @example
 * ```ts
 * resolveDockerEndpoint({ DOCKER_HOST: "unix:///run/user/1000/podman/podman.sock" });
 * // { kind: "unix", path: "/run/user/1000/podman/podman.sock", source: "DOCKER_HOST", … }
 * ```
 */
export function resolveDockerEndpoint(env: Env, fs: EndpointFs = realFs): DockerEndpoint {
  if (env.DOCKER_HOST) return parseDockerHost(env.DOCKER_HOST, "DOCKER_HOST", env, fs);
  const context = fromContext(env, fs);
  if (context) return context;
  if (!fs.exists(DEFAULT_DOCKER_SOCKET)) {
    for (const podman of podmanSockets(env)) {
      if (fs.exists(podman)) {
        return unixEndpoint(podman, "podman socket (no Docker socket found)");
      }
    }
  }
  return unixEndpoint(DEFAULT_DOCKER_SOCKET, "default");
}

/**
 * Parses a Docker host URL (`unix:///path`, `tcp://host[:port]`). A `tcp://` host uses TLS
 * when `DOCKER_TLS_VERIFY` or `DOCKER_CERT_PATH` is set (certificates from `DOCKER_CERT_PATH`,
 * else the docker config directory); the default port is 2376 with TLS and 2375 without.
 */
export function parseDockerHost(
  value: string,
  source: string,
  env: Env = {},
  fs: EndpointFs = realFs,
): DockerEndpoint {
  const fail = (why: string): never => {
    throw new KoError(`invalid ${source} ${JSON.stringify(value)}: ${why}`);
  };
  const sep = value.indexOf("://");
  if (sep < 0) fail("expected unix:///path/to/docker.sock or tcp://host:port");
  const scheme = value.slice(0, sep).toLowerCase();
  const rest = value.slice(sep + 3);
  switch (scheme) {
    case "unix": {
      if (!rest.startsWith("/")) fail("the socket path must be absolute (unix:///path)");
      return unixEndpoint(rest, source);
    }
    case "tcp":
    case "http":
    case "https": {
      const hostPort = rest.replace(/\/+$/, "");
      if (hostPort === "" || hostPort.includes("/")) fail("expected tcp://host:port");
      const useTls = scheme === "https" || !!env.DOCKER_TLS_VERIFY || !!env.DOCKER_CERT_PATH;
      const hasPort = /:\d+$/.test(hostPort) && !/^\[[^\]]*$/.test(hostPort);
      const address = hasPort ? hostPort : `${hostPort}:${useTls ? 2376 : 2375}`;
      const url = `tcp://${address}`;
      if (!useTls) return { kind: "tcp", address, url, source };
      return { kind: "tcp", address, url, source, tls: readTls(env, fs) };
    }
    case "ssh":
      return fail(
        "ssh:// Docker hosts are not supported: forward the socket " +
          "(ssh -nNT -L /tmp/docker.sock:/var/run/docker.sock host) and set " +
          "DOCKER_HOST=unix:///tmp/docker.sock",
      );
    default:
      return fail(`unsupported scheme "${scheme}": expected unix:// or tcp://`);
  }
}

function unixEndpoint(path: string, source: string): DockerEndpoint {
  return { kind: "unix", path, url: `unix://${path}`, source };
}

/** Podman's Docker-compatible sockets, rootless first. */
function podmanSockets(env: Env): string[] {
  const out: string[] = [];
  if (env.XDG_RUNTIME_DIR) out.push(join(env.XDG_RUNTIME_DIR, "podman", "podman.sock"));
  out.push("/run/podman/podman.sock");
  return out;
}

/** The docker config directory: `$DOCKER_CONFIG`, else `~/.docker`. */
function configDir(env: Env): string | undefined {
  if (env.DOCKER_CONFIG) return env.DOCKER_CONFIG;
  return env.HOME ? join(env.HOME, ".docker") : undefined;
}

function readTls(env: Env, fs: EndpointFs): DockerTls {
  const dir = env.DOCKER_CERT_PATH || configDir(env);
  if (!dir) return {};
  const caCert = fs.readText(join(dir, "ca.pem"));
  const cert = fs.readText(join(dir, "cert.pem"));
  const key = fs.readText(join(dir, "key.pem"));
  return {
    ...(caCert !== undefined ? { caCert } : {}),
    ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
  };
}

/** The endpoint of the current Docker context, unless it is the default one. */
function fromContext(env: Env, fs: EndpointFs): DockerEndpoint | undefined {
  const dir = configDir(env);
  let name = env.DOCKER_CONTEXT;
  if (!name && dir) {
    const text = fs.readText(join(dir, "config.json"));
    if (text) {
      try {
        const parsed = JSON.parse(text) as { currentContext?: unknown };
        if (typeof parsed.currentContext === "string") name = parsed.currentContext;
      } catch {
        // a malformed config.json is reported by the registry code that needs it
      }
    }
  }
  if (!name || name === "default") return undefined;
  const source = `docker context ${JSON.stringify(name)}`;
  if (!dir) throw new KoError(`cannot find ${source}: set DOCKER_CONFIG or HOME`);
  const id = toHex(sha256(name));
  const metaPath = join(dir, "contexts", "meta", id, "meta.json");
  const text = fs.readText(metaPath);
  if (text === undefined) {
    throw new KoError(
      `${source} does not exist (no "${metaPath}"): run "docker context ls", or set DOCKER_HOST`,
    );
  }
  let host: unknown;
  let skipVerify = false;
  try {
    const meta = JSON.parse(text) as {
      Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } };
    };
    host = meta.Endpoints?.docker?.Host;
    skipVerify = meta.Endpoints?.docker?.SkipTLSVerify === true;
  } catch (e) {
    throw new KoError(`cannot parse "${metaPath}": ${errorMessage(e)}`);
  }
  if (typeof host !== "string" || host === "") {
    throw new KoError(`${source} has no Docker endpoint (Endpoints.docker.Host in "${metaPath}")`);
  }
  const endpoint = parseDockerHost(host, source, {}, fs);
  if (endpoint.kind !== "tcp") return endpoint;
  const tlsDir = join(dir, "contexts", "tls", id, "docker");
  const caCert = fs.readText(join(tlsDir, "ca.pem"));
  const cert = fs.readText(join(tlsDir, "cert.pem"));
  const key = fs.readText(join(tlsDir, "key.pem"));
  if (caCert === undefined && cert === undefined && !skipVerify) return endpoint;
  return {
    ...endpoint,
    tls: {
      ...(caCert !== undefined ? { caCert } : {}),
      ...(cert !== undefined && key !== undefined ? { cert, key } : {}),
    },
  };
}
