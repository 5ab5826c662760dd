/**
 * Which registries may be spoken to over plain HTTP: local ones (`localhost`, `*.localhost`,
 * 127.0.0.0/8, `::1`) and those marked insecure (`--insecure-registry`). Local ones are asked
 * over plain HTTP first, insecure ones over HTTPS first (see ping.ts).
 */

/** The host part of a registry (`[::1]:5000` → `::1`, `localhost:5000` → `localhost`). */
export function registryHost(registry: string): string {
  const r = registry.trim().toLowerCase();
  if (r.startsWith("[")) {
    const end = r.indexOf("]");
    return end < 0 ? r.slice(1) : r.slice(1, end);
  }
  // A bare IPv6 address has several colons and no port.
  if ((r.match(/:/g) ?? []).length > 1) return r;
  const colon = r.lastIndexOf(":");
  return colon < 0 ? r : r.slice(0, colon);
}

/** Whether a registry is on this machine: `localhost`, `*.localhost`, 127.0.0.0/8 or `::1`. */
export function isLocalRegistry(registry: string): boolean {
  const host = registryHost(registry);
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Whether plain HTTP may be used as a fallback for this registry: it is local, or listed in
 * `insecure` (entries match with their port, or without one for any port).
 */
export function allowsPlainHttp(registry: string, insecure: readonly string[] = []): boolean {
  if (isLocalRegistry(registry)) return true;
  const r = registry.toLowerCase();
  const host = registryHost(registry);
  return insecure.some((entry) => {
    const e = entry.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\/+$/, "");
    return e === r || e === host;
  });
}

/** Whether a host is link-local (169.254.0.0/16, fe80::/10): cloud metadata lives there. */
export function isLinkLocalHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return /^169\.254\.\d{1,3}\.\d{1,3}$/.test(h) || /^fe[89ab][0-9a-f]?:/.test(h);
}
