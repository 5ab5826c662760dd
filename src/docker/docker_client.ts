/**
 * A small Docker Engine API client over `fetch`: a unix socket (through
 * `Deno.createHttpClient({ proxy: { transport: "unix" } })`) or TCP (optionally TLS), with API
 * version negotiation as Docker's own client does it: `GET /_ping` once, then every request
 * goes to `/v<min(server, ours)>/…`; `DOCKER_API_VERSION` pins the version instead. Speaks to
 * Docker Engine and to podman's Docker-compatible service alike.
 */
import { errorMessage, KoError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import { type DockerEndpoint, resolveDockerEndpoint } from "./docker_host.ts";

/** The newest API version this client speaks; older daemons are negotiated down. */
export const MAX_API_VERSION = "1.47";
/** What a daemon that does not say is assumed to speak (Docker's client does the same). */
const FALLBACK_API_VERSION = "1.24";

/** Options of one request. */
interface DockerRequest {
  readonly query?: Readonly<Record<string, string | string[] | undefined>>;
  readonly body?: BodyInit;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
  /** Statuses returned to the caller instead of thrown (e.g. 404 for "absent"). */
  readonly allow?: readonly number[];
}

/** A Docker Engine API client for one endpoint. */
export class DockerClient {
  #http: Deno.HttpClient | undefined;
  #version: Promise<string> | undefined;

  constructor(readonly endpoint: DockerEndpoint, private readonly pinnedVersion?: string) {}

  /** The client for the daemon the environment points at (see docker_host.ts). */
  static fromEnv(env: Readonly<Record<string, string | undefined>>): DockerClient {
    return new DockerClient(resolveDockerEndpoint(env), env.DOCKER_API_VERSION || undefined);
  }

  /** A short name of the daemon for messages: `unix:///var/run/docker.sock (DOCKER_HOST)`. */
  describe(): string {
    return `${this.endpoint.url} (${this.endpoint.source})`;
  }

  /** The negotiated API version (pings once). */
  apiVersion(signal?: AbortSignal): Promise<string> {
    if (this.pinnedVersion) return Promise.resolve(this.pinnedVersion);
    if (!this.#version) {
      const p = this.#negotiate(signal);
      p.catch(() => this.#version = undefined);
      this.#version = p;
    }
    return this.#version;
  }

  async #negotiate(signal?: AbortSignal): Promise<string> {
    const res = await this.#fetch("GET", "/_ping", {}, signal);
    await res.body?.cancel();
    if (!res.ok) {
      throw new KoError(`Docker daemon at ${this.describe()} answered /_ping with ${res.status}`);
    }
    const server = res.headers.get("api-version") ?? FALLBACK_API_VERSION;
    const version = compareVersions(server, MAX_API_VERSION) < 0 ? server : MAX_API_VERSION;
    debug(`docker: ${this.describe()} speaks API ${server}, using ${version}`);
    return version;
  }

  /**
   * Sends a request to `/v<version><path>`. Non-2xx answers (except `allow`ed ones) throw a
   * KoError with the daemon's message: `docker: POST /images/x/tag: 404 No such image: x`.
   */
  async request(method: string, path: string, req: DockerRequest = {}): Promise<Response> {
    const version = await this.apiVersion(req.signal);
    const res = await this.#fetch(method, `/v${version}${path}`, req, req.signal);
    if (res.ok || req.allow?.includes(res.status)) return res;
    throw new KoError(
      `docker: ${method} ${path.split("?")[0]}: ${res.status} ${await errorText(res)}`,
    );
  }

  /** Sends a request and parses the JSON answer. */
  async json<T>(method: string, path: string, req: DockerRequest = {}): Promise<T> {
    const res = await this.request(method, path, req);
    const text = await res.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new KoError(`docker: ${method} ${path}: answer is not JSON: ${text.slice(0, 200)}`);
    }
  }

  async #fetch(
    method: string,
    path: string,
    req: DockerRequest,
    signal?: AbortSignal,
  ): Promise<Response> {
    const url = new URL(`${this.#base()}${path}`);
    for (const [k, v] of Object.entries(req.query ?? {})) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, one);
    }
    const init: RequestInit & { client: Deno.HttpClient; duplex?: string } = {
      method,
      client: this.#client(),
      headers: req.headers ?? {},
      ...(signal ? { signal } : {}),
    };
    if (req.body !== undefined) {
      init.body = req.body;
      if (req.body instanceof ReadableStream) init.duplex = "half";
    }
    try {
      return await fetch(url, init);
    } catch (e) {
      if (signal?.aborted) throw signal.reason ?? e;
      throw new KoError(
        `cannot reach the Docker daemon at ${this.describe()}: ${connectProblem(e)}; ` +
          "is it running? Set DOCKER_HOST to the daemon's socket (podman: " +
          "unix://$XDG_RUNTIME_DIR/podman/podman.sock with `podman system service`)",
        { cause: e },
      );
    }
  }

  #base(): string {
    const e = this.endpoint;
    if (e.kind === "unix") return "http://docker";
    return `${e.tls ? "https" : "http"}://${e.address}`;
  }

  #client(): Deno.HttpClient {
    if (this.#http) return this.#http;
    const e = this.endpoint;
    if (e.kind === "unix") {
      this.#http = Deno.createHttpClient({ proxy: { transport: "unix", path: e.path } });
    } else if (e.tls?.cert && e.tls.key) {
      this.#http = Deno.createHttpClient({
        caCerts: e.tls.caCert ? [e.tls.caCert] : [],
        cert: e.tls.cert,
        key: e.tls.key,
      });
    } else {
      this.#http = Deno.createHttpClient({ caCerts: e.tls?.caCert ? [e.tls.caCert] : [] });
    }
    return this.#http;
  }

  /** Closes pooled connections. */
  close(): void {
    this.#http?.close();
    this.#http = undefined;
  }
}

/** Compares dotted API versions numerically (`1.9` < `1.41`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((x) => Number(x) || 0);
  const pb = b.split(".").map((x) => Number(x) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** The daemon's error message (`{"message": "…"}`), else the first line of the body. */
async function errorText(res: Response): Promise<string> {
  const text = (await res.text().catch(() => "")).trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown; cause?: unknown };
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // not JSON
  }
  return (text.split("\n")[0] ?? "").slice(0, 300) || res.statusText;
}

/** "connection refused", "no such file" … from a fetch failure. */
function connectProblem(e: unknown): string {
  const msg = errorMessage(e);
  const chain: string[] = [msg];
  for (let c = (e as Error)?.cause; c instanceof Error; c = c.cause) chain.push(c.message);
  const all = chain.join(" ");
  if (/No such file|ENOENT|os error 2\b/i.test(all)) return "no such socket";
  if (/Connection refused|ECONNREFUSED|os error 111\b/i.test(all)) return "connection refused";
  if (/Permission denied|EACCES|os error 13\b/i.test(all)) return "permission denied";
  return msg;
}
