/**
 * Tag listing: `GET /v2/<repo>/tags/list?n=1000`, following `Link: <…>; rel="next"` pages
 * (1000 because ECR refuses larger pages).
 */
import { KoError } from "../util/errors.ts";
import { pullScope, repoName, type RepositoryRef } from "./scope.ts";
import { withRetry } from "./retry.ts";
import { readBody, type Session } from "./session.ts";
import { refuseInternalTarget } from "./target_guard.ts";

/** Page size asked for; registries may ignore it. */
const TAGS_PAGE_SIZE = 1000;
const MAX_PAGES = 100_000;

/** The `rel="next"` target of a `Link` header, or undefined. */
export function nextLink(header: string | null): string | undefined {
  if (header === null) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (!m) continue;
    const rels = /(?:^|;)\s*rel\s*=\s*"?([^";]*)"?/i.exec(m[2] ?? "");
    if (rels && (rels[1] ?? "").toLowerCase().split(/\s+/).includes("next")) return m[1];
  }
  return undefined;
}

/** Lists every tag of a repository, in the order the registry gives them. */
export async function listTags(
  session: Session,
  repo: RepositoryRef,
  signal?: AbortSignal,
): Promise<string[]> {
  const tags: string[] = [];
  const context = `GET ${repoName(repo)} tags`;
  let url: string | URL = `/v2/${repo.repository}/tags/list?n=${TAGS_PAGE_SIZE}`;
  const seen = new Set<string>();
  for (let page = 0; page < MAX_PAGES; page++) {
    const fetched = await withRetry(session.transport.policy, async () => {
      const res = await session.request(repo, [pullScope(repo.repository)], {
        method: "GET",
        url,
        expect: [200],
        context,
        retry: false,
        ...(signal ? { signal } : {}),
      });
      const text = new TextDecoder().decode(await readBody(res, repo.registry));
      return { res, text };
    }, signal ? { signal } : {});
    const { res, text } = fetched;
    const requestUrl: URL = new URL(res.url || String(url), `https://${repo.registry}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new KoError(`${context}: the registry answered with invalid JSON`);
    }
    const list = (body as { tags?: unknown } | null)?.tags;
    if (list !== null && list !== undefined) {
      if (!Array.isArray(list) || list.some((t) => typeof t !== "string")) {
        throw new KoError(`${context}: "tags" is not a list of strings`);
      }
      tags.push(...(list as string[]));
    }
    const next = nextLink(res.headers.get("link"));
    if (next === undefined) return tags;
    const nextUrl: URL = new URL(next, requestUrl);
    refuseInternalTarget(nextUrl, repo.registry, `${context}: refusing the next page on`);
    if (seen.has(nextUrl.href)) return tags;
    seen.add(nextUrl.href);
    url = nextUrl;
  }
  return tags;
}
