/**
 * Which proxy a request goes through, from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (either
 * case) as Go's `http.ProxyFromEnvironment` decides it, for the connections this process makes
 * itself (node_connection.ts); Deno's `fetch` applies the same variables on its own.
 */
import type { EnvGetter } from "./docker_config.ts";

/** The first non-empty value among the names. */
function first(env: EnvGetter, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = env(n);
    if (v) return v;
  }
  return undefined;
}

/** The four octets of an IPv4 address as one number, or undefined. */
function ipv4Number(host: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((n, o) => n * 256 + o, 0);
}

/** Whether `host` is this machine: `localhost` or a loopback address (never proxied). */
function isLoopback(host: string): boolean {
  if (host === "localhost" || host.endsWith(".localhost") || host === "::1") return true;
  const n = ipv4Number(host);
  return n !== undefined && Math.floor(n / 2 ** 24) === 127;
}

/** Whether a `NO_PROXY` entry covers `host` on `port`. */
function excludes(entry: string, host: string, port: string): boolean {
  let e = entry.toLowerCase();
  const cidr = /^([\d.]+)\/(\d{1,2})$/.exec(e);
  if (cidr) {
    const net = ipv4Number(cidr[1]!);
    const ip = ipv4Number(host);
    const bits = Number(cidr[2]);
    if (net === undefined || ip === undefined || bits > 32) return false;
    const size = 2 ** (32 - bits);
    return Math.floor(net / size) === Math.floor(ip / size);
  }
  const portMatch = /^(.*[^:]):(\d+)$/.exec(e);
  if (portMatch && !e.startsWith("[")) {
    if (portMatch[2] !== port) return false;
    e = portMatch[1]!;
  }
  e = e.replace(/^\[|\]$/g, "");
  if (e.startsWith("*.")) e = e.slice(1);
  if (e.startsWith(".")) return host.endsWith(e);
  return host === e || host.endsWith(`.${e}`);
}

/** The proxy URL for a request to `url`, or undefined to connect directly. */
export function proxyFor(url: URL, env: EnvGetter): URL | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (isLoopback(host)) return undefined;
  const value = url.protocol === "https:"
    ? first(env, "HTTPS_PROXY", "https_proxy")
    : first(env, "HTTP_PROXY", "http_proxy");
  if (value === undefined) return undefined;
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  const noProxy = first(env, "NO_PROXY", "no_proxy") ?? "";
  for (const entry of noProxy.split(/[\s,]+/).filter((e) => e !== "")) {
    if (entry === "*" || excludes(entry, host, port)) return undefined;
  }
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`);
  } catch {
    return undefined;
  }
}
