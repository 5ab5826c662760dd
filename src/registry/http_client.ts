/**
 * The Deno HTTP clients registry requests go through: Deno's built-in roots plus the CA
 * sources of a host's trust (tls_trust.ts), its client certificate if any, and the proxy
 * settings of the run's environment.
 */
import { debug } from "../util/log.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import type { EnvGetter } from "./docker_config.ts";
import type { HostTrust } from "./tls_trust.ts";

/**
 * Creates the Deno HTTP client for a host trust. A CA source the user named that Deno cannot
 * use is a KoError naming it; an unusable system bundle is skipped with a debug line.
 */
export function createRegistryHttpClient(trust: HostTrust, env: EnvGetter): Deno.HttpClient {
  const cert = trust.clientCertificate;
  const options: Deno.CreateHttpClientOptions = {
    caCerts: trust.caSources.map((s) => s.pem),
    ...(cert ? { cert: cert.cert, key: cert.key } : {}),
  };
  try {
    return createClient(options, env);
  } catch (err) {
    for (const s of trust.caSources) {
      try {
        createClient({ caCerts: [s.pem] }, env).close();
      } catch (sourceErr) {
        if (s.explicit) {
          throw new KoError(
            `cannot use the CA certificates of ${s.source}: ${errorMessage(sourceErr)}`,
          );
        }
        debug(`ignoring the CA bundle ${s.source}: ${errorMessage(sourceErr)}`);
        const rest = trust.caSources.filter((other) => other !== s);
        return createRegistryHttpClient({ ...trust, caSources: rest }, env);
      }
    }
    if (cert) {
      throw new KoError(`cannot use the client certificate "${cert.source}": ${errorMessage(err)}`);
    }
    throw new KoError(`cannot set up the registry HTTP client: ${errorMessage(err)}`);
  }
}

const PROXY_VARS = [
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "ALL_PROXY",
  "all_proxy",
];
const NO_PROXY_VARS = ["NO_PROXY", "no_proxy"];
const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "::1"];

/**
 * `Deno.createHttpClient` with the proxy settings of `env` (the run's environment, which
 * tests give apart from the process's), except that a proxy never applies to loopback hosts,
 * as in Go (ko's `http.ProxyFromEnvironment`): a corporate proxy cannot reach a registry on
 * this machine. Deno reads the proxy variables when a client is created, so they are set to
 * those values for that moment only.
 */
function createClient(options: Deno.CreateHttpClientOptions, env: EnvGetter): Deno.HttpClient {
  const wanted = new Map<string, string | undefined>();
  for (const name of PROXY_VARS) wanted.set(name, env(name) || undefined);
  const proxied = [...wanted.values()].some((v) => v !== undefined);
  const current = (env("NO_PROXY") ?? env("no_proxy") ?? "").split(",").map((h) => h.trim())
    .filter((h) => h !== "");
  const noProxy = proxied && !current.includes("*")
    ? [...current, ...LOOPBACK_HOSTS.filter((h) => !current.includes(h))]
    : current;
  for (const name of NO_PROXY_VARS) wanted.set(name, noProxy.join(",") || undefined);
  const saved = new Map([...wanted.keys()].map((name) => [name, Deno.env.get(name)]));
  if ([...wanted].every(([name, value]) => saved.get(name) === value)) {
    return Deno.createHttpClient(options);
  }
  try {
    for (const [name, value] of wanted) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
    return Deno.createHttpClient(options);
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }
}
