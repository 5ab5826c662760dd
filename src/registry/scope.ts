/**
 * Repositories as the registry client sees them, and the token scopes asked for them
 * (`repository:<name>:pull`, `repository:<name>:push,pull`).
 */

/** A repository in a registry: `{ registry: "127.0.0.1:5000", repository: "library/alpine" }`. */
export interface RepositoryRef {
  /** Registry host with optional port: `index.docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  registry: string;
  /** Repository path inside the registry: `library/alpine`. */
  repository: string;
}

/** `registry/repository`, the way messages name a repository. */
export function repoName(repo: RepositoryRef): string {
  return `${repo.registry}/${repo.repository}`;
}

/** The scope for reading a repository: `repository:<repo>:pull`. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/** The scope for writing a repository: `repository:<repo>:push,pull`. */
export function pushScope(repository: string): string {
  return `repository:${repository}:push,pull`;
}

/**
 * The scopes of a push: push and pull on the target, plus pull on each mount source of the
 * same registry (sources elsewhere cannot be mounted and are ignored), without duplicates.
 */
export function pushScopes(target: RepositoryRef, mountSources: readonly string[] = []): string[] {
  const scopes = [pushScope(target.repository)];
  for (const src of mountSources) {
    const s = pullScope(src);
    if (src !== target.repository && !scopes.includes(s)) scopes.push(s);
  }
  return scopes;
}

/**
 * Merges newly required scopes into a list, putting the new ones first (some registries read
 * only the first scope) and dropping duplicates.
 */
export function mergeScopes(current: readonly string[], required: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of [...required, ...current]) if (!out.includes(s)) out.push(s);
  return out;
}

/** A stable key for a set of scopes (order-insensitive), for token caches. */
export function scopeKey(scopes: readonly string[]): string {
  return [...new Set(scopes)].sort().join(" ");
}
