/**
 * The OCI 1.1 referrers API: `GET /v2/<repo>/referrers/<digest>[?artifactType=]`. Registries
 * without it (404, or an answer that is not an index) yield undefined, so callers can fall
 * back to the `sha256-<hex>` tag schema.
 */
import { parseDigest } from "../oci/digest.ts";
import { type Index, parseIndex } from "../oci/manifest.ts";
import { MediaType } from "../oci/media_types.ts";
import { pullScope, repoName, type RepositoryRef } from "./scope.ts";
import { withRetry } from "./retry.ts";
import { readBody, type Session } from "./session.ts";

/** The tag of the referrers fallback schema: `sha256:<hex>` → `sha256-<hex>`. */
export function referrersTag(digest: string): string {
  return parseDigest(digest).replace(":", "-");
}

/**
 * The referrers of a manifest as an index, filtered by `artifactType` when given (client-side
 * too, if the registry did not apply the filter); undefined when the API is not supported.
 */
export async function getReferrers(
  session: Session,
  repo: RepositoryRef,
  digest: string,
  artifactType?: string,
  signal?: AbortSignal,
): Promise<Index | undefined> {
  parseDigest(digest);
  const query = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : "";
  const answer = await withRetry(session.transport.policy, async () => {
    const res = await session.request(repo, [pullScope(repo.repository)], {
      method: "GET",
      url: `/v2/${repo.repository}/referrers/${digest}${query}`,
      headers: { accept: MediaType.OciIndex },
      expect: [200, 404],
      context: `GET ${repoName(repo)} referrers ${digest}`,
      retry: false,
      ...(signal ? { signal } : {}),
    });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    return { res, bytes: await readBody(res, repo.registry) };
  }, signal ? { signal } : {});
  if (answer === undefined) return undefined;
  const { res, bytes } = answer;
  const type = res.headers.get("content-type")?.split(";")[0]?.trim();
  if (type !== MediaType.OciIndex) return undefined;
  let index: Index;
  try {
    index = parseIndex(bytes, `referrers of ${digest}`);
  } catch {
    return undefined;
  }
  const filtered = res.headers.get("oci-filters-applied")?.split(",").map((s) => s.trim())
    .includes("artifactType");
  if (artifactType && !filtered) {
    index = { ...index, manifests: index.manifests.filter((d) => d.artifactType === artifactType) };
  }
  return index;
}
