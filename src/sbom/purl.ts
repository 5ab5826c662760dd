/**
 * Package URLs as ko writes them in SBOMs: `pkg:oci/…` for images and indexes (qualifiers
 * sorted and escaped like Go's `url.Values.Encode`) and `pkg:golang/…` for Go modules.
 */
import type { GoModule } from "../go/build_info.ts";
import { compareUtf8 } from "../oci/go_json.ts";
import { queryEscape } from "../util/query_escape.ts";

/** A purl qualifier; keys may repeat (`os-feature`), their order is then kept. */
export type Qualifier = readonly [key: string, value: string];

/**
 * `pkg:oci/<name>@<digest>[?<qualifiers>]`, where `name` is the last path segment of `path`
 * (ko passes `image` or `index`).
 */
export function ociPurl(
  path: string,
  digest: string,
  qualifiers: readonly Qualifier[] = [],
): string {
  const segments = path.split("/");
  const purl = `pkg:oci/${segments[segments.length - 1]}@${digest}`;
  return qualifiers.length > 0 ? `${purl}?${encodeQuery(qualifiers)}` : purl;
}

/**
 * `pkg:golang/<path>@<version>?type=module`, the first two path segments lowercased when the
 * path has more than two (as ko does; the version is not escaped).
 */
export function goModulePurl(mod: Pick<GoModule, "path" | "version">): string {
  let path = mod.path;
  const p = path.split("/");
  if (p.length > 2) path = [p[0]!.toLowerCase(), p[1]!.toLowerCase(), ...p.slice(2)].join("/");
  return `pkg:golang/${path}@${mod.version}?type=module`;
}

/**
 * A query string as Go's `url.Values.Encode` builds it: keys sorted (values of one key in
 * their given order), `key=value` pairs joined with `&`, both query-escaped.
 */
export function encodeQuery(qualifiers: readonly Qualifier[]): string {
  const keys = [...new Set(qualifiers.map(([k]) => k))].sort(compareUtf8);
  const parts: string[] = [];
  for (const k of keys) {
    for (const [key, value] of qualifiers) {
      if (key === k) parts.push(`${queryEscape(k)}=${queryEscape(value)}`);
    }
  }
  return parts.join("&");
}
