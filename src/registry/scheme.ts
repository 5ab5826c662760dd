/**
 * Which registries ko may speak plain HTTP to, from one classification of the registry's host.
 * As in ko (go-containerregistry's `name.Registry.Scheme()` and its ping), plain HTTP is
 * allowed for registries on this machine, for private-network (RFC 1918) addresses, and for
 * those named by `--insecure-registry`; every other registry is HTTPS only. Which scheme is
 * asked first is a separate, narrower question (see {@link triesPlainHttpFirst}).
 */

/** Where a registry's host lives, as far as the scheme is concerned. */
type HostKind = "loopback" | "private" | "public";

/**
 * The host of `host[:port]`, `[v6]`, `[v6]:port` or a bare IPv6 address, lower case;
 * undefined when the text is none of those (an empty host, a port that is not a number).
 */
function parseHost(registry: string): string | undefined {
  const r = registry.trim().toLowerCase();
  if (r.startsWith("[")) {
    const end = r.indexOf("]");
    if (end < 0) return undefined;
    const rest = r.slice(end + 1);
    return rest === "" || /^:\d{1,5}$/.test(rest) ? r.slice(1, end) : undefined;
  }
  const colons = r.split(":").length - 1;
  if (colons > 1) return r; // a bare IPv6 address has several colons and no port
  if (colons === 1) {
    const [host, port] = r.split(":") as [string, string];
    return host !== "" && /^\d{1,5}$/.test(port) ? host : undefined;
  }
  return r === "" ? undefined : r;
}

/** The four octets of a dotted IPv4 address, or undefined when `host` is not one. */
function ipv4(host: string): [number, number, number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number) as [number, number, number, number];
  return octets.every((o) => o <= 255) ? octets : undefined;
}

/**
 * Loopback: `localhost`, `*.localhost`, 127.0.0.0/8, `::1` (any spelling). Private: the
 * RFC 1918 IPv4 ranges 10/8, 172.16/12, 192.168/16. Public: everything else, malformed
 * registries included.
 */
function hostKind(registry: string): HostKind {
  const host = parseHost(registry);
  if (host === undefined) return "public";
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  if (host === "::1" || /^(?:0{1,4}:){7}0{0,3}1$/.test(host)) return "loopback";
  const ip = ipv4(host);
  if (ip === undefined) return "public";
  const [a, b] = ip;
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  return "public";
}

/** The host part of a registry, lower case (`[::1]:5000` → `::1`, `Host:443` → `host`). */
export function registryHost(registry: string): string {
  return parseHost(registry) ?? registry.trim().toLowerCase();
}

/**
 * Whether plain HTTP may be used for this registry: its host is on this machine or on a
 * private network, or it is listed in `insecure` (`--insecure-registry`; an entry matches with
 * its port, or without one for any port). Where this is false, only HTTPS is ever tried.
 */
export function allowsPlainHttp(registry: string, insecure: readonly string[] = []): boolean {
  if (hostKind(registry) !== "public") return true;
  const r = registry.trim().toLowerCase();
  const host = registryHost(registry);
  return insecure.some((entry) => {
    const e = entry.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\/+$/, "");
    return e === r || e === host;
  });
}

/**
 * Whether the ping asks plain HTTP before HTTPS: only for a registry on this machine, where
 * plain HTTP is the usual setup and the traffic never leaves the host. Private-network and
 * insecure registries are asked HTTPS first, plain HTTP only as a fallback.
 */
export function triesPlainHttpFirst(registry: string): boolean {
  return hostKind(registry) === "loopback";
}

/** Whether a host is link-local (169.254.0.0/16, fe80::/10): cloud metadata lives there. */
export function isLinkLocalHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return /^169\.254\.\d{1,3}\.\d{1,3}$/.test(h) || /^fe[89ab][0-9a-f]?:/.test(h);
}
