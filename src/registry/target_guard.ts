/**
 * The guard against a registry steering ko elsewhere (SSRF): a redirect, an upload `Location`
 * or a `Link` that leads to a loopback, private or link-local address is refused unless it is
 * the registry's own host (the same host name, any port). A hostile or compromised registry
 * could otherwise make ko send requests, and the bytes of an upload, to services on this
 * machine or its network, or to a cloud metadata endpoint.
 */
import { KoError } from "../util/errors.ts";
import { internalAddress, registryHost } from "./scheme.ts";

/**
 * Throws a KoError when `target` is an internal address other than `registry`'s host, e.g.
 * `GET http://…/blobs/sha256:…: refusing the redirect to 127.0.0.2:5000, a loopback address that
 * is not the registry's`. `what` names the request and what pointed there.
 */
export function refuseInternalTarget(target: URL, registry: string, what: string): void {
  const kind = internalAddress(target.hostname);
  if (kind === undefined || registryHost(target.host) === registryHost(registry)) return;
  throw new KoError(
    `${what} ${target.host}, a ${kind} address that is not the registry's (${registry})`,
  );
}
