/** The reference a publisher prints, per ko-behaviour 4.2. */
import type { Digest } from "../oci/digest.ts";

/**
 * Registry and tarball form: `name@digest`; `name:tag@digest` when exactly one tag is given
 * and it is not `latest`; `name:tag` with `--tag-only`.
 */
export function registryReference(
  name: string,
  tags: readonly string[],
  digest: Digest,
  tagOnly: boolean,
): string {
  if (tagOnly) return `${name}:${tags[0]}`;
  if (tags.length === 1 && tags[0] !== "latest") return `${name}:${tags[0]}@${digest}`;
  return `${name}@${digest}`;
}

/** No-op form (`--push=false`): always the first tag, even `latest`. */
export function noopReference(
  name: string,
  tags: readonly string[],
  digest: Digest,
  tagOnly: boolean,
): string {
  if (tagOnly) return `${name}:${tags[0]}`;
  if (tags.length > 0) return `${name}:${tags[0]}@${digest}`;
  return `${name}@${digest}`;
}
