/**
 * A real OCI registry for tests: Debian's `docker-registry` (CNCF distribution 2.8.2) with its
 * own generated config, on a free 127.0.0.1 port, in one of four modes:
 *
 * - `plain`: HTTP, no auth;
 * - `basic`: htpasswd (bcrypt) with a generated user and password;
 * - `bearer`: distribution's `token` auth verifying ES256 JWTs from an in-process token server
 *   (see token_server.ts for what it grants: the user gets push+pull, anonymous gets nothing);
 * - `tls`: HTTPS with a leaf certificate signed by a test CA, no auth.
 *
 * Start it inside a test and stop it in `finally` (or `await using`); a server shared by several
 * steps should be started in one `Deno.test` with `t.step`s, since it outlives a single step.
 *
 * @example
 * ```ts
 * await using reg = await startRegistry({ mode: "basic" });
 * const res = await fetch(`${reg.url}/v2/`); // 401
 * ```
 */

import { randomBytes } from "node:crypto";
import { type CertFiles, testSigningIdentity, testTlsCerts } from "./test_certs.ts";
import { startTokenServer, type TokenRequest, type TokenServer } from "./token_server.ts";
import { freePort, ownsListeningPort, runOk, stopProcess, tempDir } from "./tools.ts";

/** The authentication/transport flavour of a test registry. */
export type RegistryMode = "plain" | "basic" | "bearer" | "tls";

/** Options for {@link startRegistry}. */
export interface RegistryOptions {
  /** Default `plain`. */
  mode?: RegistryMode;
  /** Default `inmemory` (fast); `filesystem` keeps blobs under the server's temp dir. */
  storage?: "inmemory" | "filesystem";
  /** Bearer mode: grant anonymous `pull` (default: anonymous tokens carry no access). */
  anonymousPull?: boolean;
  /** Bearer mode: token lifetime in seconds (default 300). */
  tokenExpiresIn?: number;
  /** Basic and bearer modes: serve HTTPS with the test leaf (the `tls` mode's certificate). */
  tls?: boolean;
  /** HTTPS: serve this certificate instead of the test leaf (e.g. a self-signed one). */
  serverCert?: CertFiles;
  /** HTTPS: require a client certificate signed by the test CA (`http.tls.clientcas`). */
  requireClientCert?: boolean;
  /** Listen on this port instead of a free one (e.g. a port browsers block). */
  port?: number;
  /** Basic and bearer modes: more users and their passwords, besides the generated one. */
  users?: Record<string, string>;
  /** Bearer mode: refresh tokens the token server takes, and the user each stands for. */
  refreshTokens?: Record<string, string>;
  /** Bearer mode: the token server's port (default: a free one). */
  tokenPort?: number;
}

/** A running registry. */
export interface RegistryServer extends AsyncDisposable {
  /** `127.0.0.1:PORT`, the registry part of references. */
  host: string;
  /** `http://127.0.0.1:PORT`, or `https://` in tls mode. */
  url: string;
  mode: RegistryMode;
  /** basic and bearer modes: the generated credentials. */
  username?: string;
  password?: string;
  /** tls mode: the test CA (PEM and path) and a directory holding it as `ca.crt`. */
  caCertPem?: string;
  caCertPath?: string;
  caCertDir?: string;
  /** tls mode: an HTTP client trusting the test CA, closed by `stop()`. */
  httpClient?: Deno.HttpClient;
  /** bearer mode: the token endpoint, the `service` and `issuer` the registry expects. */
  tokenRealm?: string;
  tokenService?: string;
  tokenIssuer?: string;
  /** bearer mode: every request the token server answered. */
  tokenRequests?: TokenRequest[];
  /** The registry's log (level warn plus its access log), still readable after `stop()`. */
  logs(): string;
  /** Stops the registry (and token server), waits for exit and removes its temp dir; idempotent. */
  stop(): Promise<void>;
}

const SERVICE = "ko-test-registry";
const ISSUER = "ko-test-token-issuer";

/** Starts a registry and waits until `GET /v2/` answers (200, or 401 with auth). */
export async function startRegistry(opts: RegistryOptions = {}): Promise<RegistryServer> {
  const mode = opts.mode ?? "plain";
  const dir = await tempDir("ko-registry-");
  let tokenServer: TokenServer | undefined;
  let httpClient: Deno.HttpClient | undefined;
  try {
    const storage: Record<string, unknown> = opts.storage === "filesystem"
      ? { filesystem: { rootdirectory: `${dir.path}/data` } }
      : { inmemory: {} };
    storage.delete = { enabled: true };
    storage.maintenance = { uploadpurging: { enabled: false } };
    const http: Record<string, unknown> = { secret: randomBytes(16).toString("hex") };
    const config: Record<string, unknown> = {
      version: 0.1,
      log: { level: "warn", formatter: "text" },
      storage,
      http,
    };
    const server: Partial<RegistryServer> = { mode };

    if (mode === "basic" || mode === "bearer") {
      server.username = "ko-tester";
      server.password = randomBytes(12).toString("hex");
    }
    if (mode === "basic") {
      let htpasswd = "";
      const users = { [server.username!]: server.password!, ...opts.users };
      for (const [user, password] of Object.entries(users)) {
        htpasswd += (await runOk("htpasswd", ["-Bbn", user, password])).stdout.trim() + "\n";
      }
      await Deno.writeTextFile(`${dir.path}/htpasswd`, htpasswd);
      config.auth = { htpasswd: { realm: "basic-realm", path: `${dir.path}/htpasswd` } };
    } else if (mode === "bearer") {
      const signer = await testSigningIdentity();
      tokenServer = await startTokenServer({
        signer,
        username: server.username!,
        password: server.password!,
        service: SERVICE,
        issuer: ISSUER,
        anonymousPull: opts.anonymousPull,
        expiresIn: opts.tokenExpiresIn,
        users: opts.users,
        refreshTokens: opts.refreshTokens,
        port: opts.tokenPort,
      });
      config.auth = {
        token: {
          realm: tokenServer.realm,
          service: SERVICE,
          issuer: ISSUER,
          rootcertbundle: signer.certPath,
        },
      };
      Object.assign(server, {
        tokenRealm: tokenServer.realm,
        tokenService: SERVICE,
        tokenIssuer: ISSUER,
        tokenRequests: tokenServer.requests,
      });
    }
    if (mode === "tls" || opts.tls) {
      const certs = await testTlsCerts();
      const served = opts.serverCert ?? certs.leaf;
      http.tls = {
        certificate: served.certPath,
        key: served.keyPath,
        ...(opts.requireClientCert ? { clientcas: [certs.ca.certPath] } : {}),
      };
      httpClient = Deno.createHttpClient({
        caCerts: [opts.serverCert?.certPem ?? certs.ca.certPem],
        ...(opts.requireClientCert ? { cert: certs.client.certPem, key: certs.client.keyPem } : {}),
      });
      Object.assign(server, {
        caCertPem: certs.ca.certPem,
        caCertPath: certs.ca.certPath,
        caCertDir: certs.caDir,
        httpClient,
      });
    }

    const logPath = `${dir.path}/registry.log`;
    const scheme = mode === "tls" || opts.tls ? "https" : "http";
    let lastError = "";
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = opts.port ?? freePort();
      http.addr = `127.0.0.1:${port}`;
      await Deno.writeTextFile(`${dir.path}/config.yml`, JSON.stringify(config, null, 2));
      await Deno.writeTextFile(logPath, "");
      const child = new Deno.Command("sh", {
        args: [
          "-c",
          'exec docker-registry serve "$1" >"$2" 2>&1',
          "sh",
          `${dir.path}/config.yml`,
          logPath,
        ],
        clearEnv: true,
        env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      const url = `${scheme}://127.0.0.1:${port}`;
      const ready = await waitReady(child, url, port, httpClient);
      if (ready === "ready") {
        let finalLog: string | undefined;
        const readLog = () => {
          if (finalLog !== undefined) return finalLog;
          try {
            return Deno.readTextFileSync(logPath);
          } catch {
            return "";
          }
        };
        let stopped: Promise<void> | undefined;
        const stop = () => {
          stopped ??= (async () => {
            await stopProcess(child);
            finalLog = readLog();
            await tokenServer?.stop();
            httpClient?.close();
            await dir.remove();
          })();
          return stopped;
        };
        Object.assign(server, {
          host: `127.0.0.1:${port}`,
          url,
          logs: readLog,
          stop,
          [Symbol.asyncDispose]: stop,
        });
        return server as RegistryServer;
      }
      await stopProcess(child);
      lastError = `${ready}\n${await Deno.readTextFile(logPath).catch(() => "")}`;
      if (opts.port !== undefined || !/address already in use|port taken/.test(lastError)) break;
    }
    throw new Error(`docker-registry (${mode}) did not start: ${lastError.trim()}`);
  } catch (err) {
    await tokenServer?.stop();
    httpClient?.close();
    await dir.remove();
    throw err;
  }
}

/** Waits until our registry process answers `/v2/` on its port, or says why not. */
async function waitReady(
  child: Deno.ChildProcess,
  url: string,
  port: number,
  client: Deno.HttpClient | undefined,
): Promise<"ready" | string> {
  let exited: Deno.CommandStatus | undefined;
  child.status.then((s) => exited = s);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exited) return `exited with code ${exited.code}`;
    try {
      const res = await fetch(`${url}/v2/`, client ? { client } : {});
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) {
        if (await ownsListeningPort(child.pid, port)) return "ready";
        return "port taken by another process";
      }
    } catch (err) {
      // Not listening yet; or a port fetch refuses, or a self-signed CA certificate rustls
      // refuses, where the listening socket must do.
      const why = `${err} ${(err as Error).cause ?? ""}`;
      if (/are blocked|CaUsedAsEndEntity/.test(why) && await ownsListeningPort(child.pid, port)) {
        return "ready";
      }
    }
    await new Promise((r) => setTimeout(r, 15));
  }
  return "timed out after 10s waiting for GET /v2/";
}
