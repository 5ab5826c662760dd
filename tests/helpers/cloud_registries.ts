/**
 * Registries in the wild, on loopback: one real TLS docker-registry (token auth) answering as
 * `ghcr.io`, `us-docker.pkg.dev`, `123456789012.dkr.ecr.us-east-1.amazonaws.com` and
 * `kotest.azurecr.io` (through the ACR stand-in), the cloud credential stand-ins
 * (cloud_standins.ts), and a CONNECT proxy sending each name to the right port. The registry's
 * token server takes exactly the credentials each cloud's keychain should come up with.
 *
 * @example
 * ```ts
 * await using world = await startCloudRegistries();
 * // env: { ...world.env, GITHUB_TOKEN: world.githubToken } pushes to ghcr.io/…
 * ```
 */
import { randomBytes } from "node:crypto";
import {
  ACR_REGISTRY,
  CLOUD_API_HOSTS,
  cloudSecrets,
  type CloudStandIns,
  startCloudStandIns,
} from "./cloud_standins.ts";
import { type ConnectProxy, startConnectProxy } from "./connect_proxy.ts";
import { type RegistryServer, startRegistry } from "./registry_server.ts";
import { TEST_SERVER_NAMES, testTlsCerts } from "./test_certs.ts";

/** The registries, stand-ins and proxy, and the environment a client needs to use them. */
export interface CloudRegistries extends AsyncDisposable {
  registry: RegistryServer;
  standIns: CloudStandIns;
  proxy: ConnectProxy;
  /** `HTTPS_PROXY` (the proxy) and `SSL_CERT_FILE` (the test CA). */
  env: Record<string, string>;
  githubActor: string;
  githubToken: string;
  /** The account the registry's token server records for ACR refresh tokens. */
  acrAccount: string;
  stop(): Promise<void>;
}

/** Starts everything; stop it with `await using` or `stop()`. */
export async function startCloudRegistries(): Promise<CloudRegistries> {
  const certs = await testTlsCerts();
  const githubActor = "octo-pusher";
  const githubToken = `ghs_${randomBytes(18).toString("hex")}`;
  const acrAccount = "acr-robot";
  const secrets = cloudSecrets();
  const registry = await startRegistry({
    mode: "bearer",
    tls: true,
    users: {
      [githubActor]: githubToken,
      _token: secrets.googleAccessToken,
      AWS: secrets.ecrPassword,
    },
    refreshTokens: { [secrets.acrRefreshToken]: acrAccount },
  });
  let standIns: CloudStandIns | undefined;
  try {
    const registryPort = Number(registry.host.split(":")[1]);
    standIns = await startCloudStandIns(registryPort, secrets);
    const cloudPort = standIns.port;
    const cloudHosts = new Set<string>([...CLOUD_API_HOSTS, ACR_REGISTRY]);
    const registryHosts = new Set<string>(TEST_SERVER_NAMES.filter((n) => !cloudHosts.has(n)));
    const proxy = await startConnectProxy((host) =>
      cloudHosts.has(host) ? cloudPort : registryHosts.has(host) ? registryPort : undefined
    );
    const s = standIns;
    const stop = async () => {
      await proxy.stop();
      await s.stop();
      await registry.stop();
    };
    return {
      registry,
      standIns: s,
      proxy,
      env: { HTTPS_PROXY: proxy.url, SSL_CERT_FILE: certs.ca.certPath },
      githubActor,
      githubToken,
      acrAccount,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (err) {
    await standIns?.stop();
    await registry.stop();
    throw err;
  }
}
