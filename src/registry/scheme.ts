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
 * A registry as `host[:port]` for comparing: lower case, without a scheme, a trailing slash or
 * the default HTTPS port (`Reg.example:443` and `reg.example` are one registry).
 */
function registryKey(registry: string): string {
  return registry.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\/+$/, "")
    .replace(/:443$/, "");
}

/**
 * Whether `registry` is one of `entries` (`--insecure-registry`, which names the
 * KO_DOCKER_REPO registry): the same host and port, so that another registry on the same host
 * (a base image's, on another port) is not covered.
 */
export function isListedRegistry(registry: string, entries: readonly string[]): boolean {
  const key = registryKey(registry);
  return entries.some((entry) => registryKey(entry) === key);
}

/**
 * Whether plain HTTP may be used for this registry: its host is on this machine or on a
 * private network, or it is listed in `insecure` (`--insecure-registry`: that registry only,
 * {@link isListedRegistry}). Where this is false, only HTTPS is ever tried.
 */
export function allowsPlainHttp(registry: string, insecure: readonly string[] = []): boolean {
  return hostKind(registry) !== "public" || isListedRegistry(registry, insecure);
}

/**
 * Whether the ping asks plain HTTP before HTTPS: only for a registry on this machine, where
 * plain HTTP is the usual setup and the traffic never leaves the host. Private-network and
 * insecure registries are asked HTTPS first, plain HTTP only as a fallback.
 */
export function triesPlainHttpFirst(registry: string): boolean {
  return hostKind(registry) === "loopback";
}

/** An address that is not on the public internet, by what it reaches. */
type InternalAddress = "loopback" | "private" | "link-local";

/**
 * Which internal address a host (a URL's hostname, a registry's host) is, if any: loopback
 * (as {@link hostKind}, plus 0.0.0.0/8 and `::`, which reach this machine), private (RFC 1918,
 * IPv6 unique-local fc00::/7), link-local (169.254.0.0/16, fe80::/10: cloud metadata lives
 * there), IPv4-mapped IPv6 addresses by their IPv4 address. Host names other than `localhost`
 * are not resolved: undefined.
 */
export function internalAddress(host: string): InternalAddress | undefined {
  const h = registryHost(host);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (mapped) {
    const [hi, lo] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)];
    return internalAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
  }
  const dotted = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(h);
  if (dotted) return internalAddress(dotted[1]!);
  const kind = hostKind(h.includes(":") ? `[${h}]` : h);
  if (kind !== "public") return kind;
  const ip = ipv4(h);
  if (ip !== undefined) {
    if (ip[0] === 0) return "loopback";
    if (ip[0] === 169 && ip[1] === 254) return "link-local";
    return undefined;
  }
  if (!h.includes(":")) return undefined;
  if (/^(?:0{0,4}:){2,7}0{0,4}$/.test(h)) return "loopback"; // ::, the unspecified address
  if (/^f[cd][0-9a-f]{0,2}:/.test(h)) return "private";
  if (/^fe[89ab][0-9a-f]?:/.test(h)) return "link-local";
  return undefined;
}
