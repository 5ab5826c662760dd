/**
 * Image references in the Docker grammar (`[registry/]path[:tag][@digest]`): parsing with
 * validation, normalisation (Docker Hub, `library/`), and the helpers the registry client and
 * publishers need. Behaviour follows go-containerregistry's `name` package (a repository path
 * of 2 to 255 characters as written, `alpine` before it becomes `library/alpine`), except
 * that `localhost` counts as a registry (as in Docker) and repository components and tags are
 * checked against Docker's stricter grammar, which registries enforce anyway.
 *
 * @example
 * ```ts
 * const ref = parseReference("alpine");
 * referenceName(ref); // "index.docker.io/library/alpine:latest"
 * ref.original; // "alpine"
 * ```
 */
import { errorMessage, KoError } from "../util/errors.ts";
import { quoteInput } from "../util/quote_input.ts";
import { type Digest, parseDigest } from "./digest.ts";

/** The registry used when a name has none. */
const DEFAULT_REGISTRY = "index.docker.io";

/** The tag a reference without tag or digest stands for. */
const DEFAULT_TAG = "latest";

/** The namespace Docker Hub puts single-component names in (`alpine` → `library/alpine`). */
const DOCKER_HUB_NAMESPACE = "library";

/** Shortest and longest repository path (as written, after the registry), as in ggcr. */
const REPOSITORY_MIN = 2;
const REPOSITORY_MAX = 255;

const TAG_RE = /^[\w][\w.-]{0,127}$/;
const COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const HOST_RE = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::([0-9]+))?$`,
);

/** A repository: where images live, without tag or digest. */
export interface Repository {
  /** Registry host with optional port: `index.docker.io`, `ghcr.io`, `127.0.0.1:5000`. */
  readonly registry: string;
  /**
   * Path inside the registry, normalised (`library/alpine`). Empty only for a bare registry
   * accepted by {@link parseRepository} (`KO_DOCKER_REPO=gcr.io`).
   */
  readonly repository: string;
  /** The text as the user wrote it. */
  readonly original: string;
  /**
   * Parsed with the insecure option (`--insecure-registry`). This only records the option: the
   * registry client decides the scheme itself (registry/scheme.ts).
   */
  readonly insecure?: boolean;
}

/** A parsed image reference: a repository plus an optional tag and/or digest. */
export interface Reference extends Repository {
  /** The tag as written; absent when the input had none (see {@link tagOrLatest}). */
  readonly tag?: string;
  /** The digest as written, validated. */
  readonly digest?: Digest;
}

/** Options of {@link parseReference} and {@link parseRepository}. */
interface ParseOptions {
  /** Allow plain HTTP for this registry (`--insecure-registry`). */
  insecure?: boolean;
  /** Registry for names without one; `index.docker.io` unless given. */
  defaultRegistry?: string;
}

/**
 * Parses an image reference: `alpine`, `ghcr.io/me/app:v1`, `127.0.0.1:5000/foo@sha256:…`,
 * `[::1]:5000/foo:bar`, `name:tag@digest` (both kept). Throws a KoError quoting the input and
 * saying what is wrong.
 *
 * @example
 * ```ts
 * parseReference("docker.io/alpine:3.20"); // registry "index.docker.io", repository "library/alpine", tag "3.20"
 * ```
 */
export function parseReference(s: string, opts: ParseOptions = {}): Reference {
  const fail = (why: string): never => {
    throw new KoError(`invalid reference ${quote(s)}: ${why}`);
  };
  if (s === "") fail("the reference is empty");
  let rest = s;
  let digest: Digest | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (d === "") fail('the digest after "@" is empty');
    try {
      digest = parseDigest(d);
    } catch (e) {
      fail(errorMessage(e));
    }
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag === "") fail(`the tag after ":" is empty`);
    const why = tagProblem(tag);
    if (why) fail(why);
  }
  if (rest === "") fail("the repository name is missing");
  const { registry, repository } = parseName(rest, opts, fail);
  return build({ registry, repository, tag, digest, original: s, insecure: opts.insecure });
}

/**
 * Parses a repository with no tag or digest, such as a `KO_DOCKER_REPO` value
 * (`ghcr.io/me`, `127.0.0.1:5000/foo`). Like ko, a bare registry (`gcr.io`, `localhost:5000`,
 * `ko.local`) is accepted too, with an empty `repository`: a single component counts as a
 * registry when it contains `.` or `:` or is `localhost`.
 *
 * To name images under a repository, join on `original` as ko does (`path.Join(repo, name)`):
 * `myuser` + `app` is `myuser/app`, not `library/myuser/app`.
 */
export function parseRepository(s: string, opts: ParseOptions = {}): Repository {
  const fail = (why: string): never => {
    throw new KoError(`invalid repository ${quote(s)}: ${why}`);
  };
  if (s === "") fail("the repository is empty");
  if (!s.includes("/") && looksLikeRegistry(s)) {
    if (!HOST_RE.test(s) || !validPort(s)) fail(registryProblem(s));
    return build({
      registry: normaliseRegistry(s),
      repository: "",
      original: s,
      insecure: opts.insecure,
    });
  }
  const lastSlash = s.lastIndexOf("/");
  if (s.includes("@") || s.lastIndexOf(":") > lastSlash) {
    fail("a repository cannot have a tag or digest");
  }
  const { registry, repository } = parseName(s, opts, fail);
  return build({ registry, repository, original: s, insecure: opts.insecure });
}

/** `registry/repository` (normalised), or just the registry for a bare registry. */
export function repoString(ref: Repository): string {
  return ref.repository === "" ? ref.registry : `${ref.registry}/${ref.repository}`;
}

/** The tag a reference stands for: its tag, else `latest` when it has no digest either. */
export function tagOrLatest(ref: Reference): string | undefined {
  return ref.tag ?? (ref.digest === undefined ? DEFAULT_TAG : undefined);
}

/** What to ask the registry for: the digest if there is one, else the tag (or `latest`). */
export function referenceIdentifier(ref: Reference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/**
 * The normalised name, as ggcr's `Name()`: `index.docker.io/library/alpine:latest`,
 * `gcr.io/p/app@sha256:…` (a `repo:tag@digest` input loses its tag). This is the value of
 * the `org.opencontainers.image.base.name` annotation.
 */
export function referenceName(ref: Reference): string {
  if (ref.digest !== undefined) return `${repoString(ref)}@${ref.digest}`;
  return `${repoString(ref)}:${ref.tag ?? DEFAULT_TAG}`;
}

// ---------------------------------------------------------------------------------------------

function parseName(
  name: string,
  opts: ParseOptions,
  fail: (why: string) => never,
): { registry: string; repository: string } {
  let registry = "";
  let path = name;
  const slash = name.indexOf("/");
  if (slash >= 0 && looksLikeRegistry(name.slice(0, slash))) {
    registry = name.slice(0, slash);
    path = name.slice(slash + 1);
    if (!HOST_RE.test(registry) || !validPort(registry)) fail(registryProblem(registry));
  }
  if (path === "") fail("the repository name is missing");
  if (path.length < REPOSITORY_MIN || path.length > REPOSITORY_MAX) {
    // ko's (go-containerregistry's) wording.
    fail(
      `repository must be between ${REPOSITORY_MIN} and ${REPOSITORY_MAX} characters in length: ${path}`,
    );
  }
  for (const component of path.split("/")) {
    if (COMPONENT_RE.test(component)) continue;
    if (component === "") fail("the repository name has an empty path component");
    if (COMPONENT_RE.test(component.toLowerCase())) fail("repository name must be lowercase");
    fail(
      `invalid repository name component ${quote(component)}: expected lowercase letters ` +
        `and digits, separated by ".", "_", "__" or dashes`,
    );
  }
  registry = normaliseRegistry(registry || opts.defaultRegistry || DEFAULT_REGISTRY);
  if (registry === DEFAULT_REGISTRY && !path.includes("/")) {
    path = `${DOCKER_HUB_NAMESPACE}/${path}`;
  }
  return { registry, repository: path };
}

function looksLikeRegistry(component: string): boolean {
  return component.includes(".") || component.includes(":") || component === "localhost";
}

function normaliseRegistry(registry: string): string {
  return registry === "docker.io" ? DEFAULT_REGISTRY : registry;
}

function validPort(registry: string): boolean {
  const port = HOST_RE.exec(registry)?.[1];
  return port === undefined || (port.length <= 5 && Number(port) <= 65535);
}

function registryProblem(registry: string): string {
  return `invalid registry ${quote(registry)}: expected a host name or [IPv6] address ` +
    `with an optional port, such as ghcr.io or 127.0.0.1:5000`;
}

/**
 * Throws a KoError naming the registry unless it is a host name or `[IPv6]` address with an
 * optional port (`ghcr.io`, `127.0.0.1:5000`).
 */
export function checkRegistry(registry: string): void {
  if (!HOST_RE.test(registry) || !validPort(registry)) throw new KoError(registryProblem(registry));
}

/** Throws a KoError naming the tag unless it is a valid tag (`[\w][\w.-]{0,127}`). */
export function checkTag(tag: string): void {
  const why = tagProblem(tag);
  if (why) throw new KoError(why);
}

function tagProblem(tag: string): string | undefined {
  if (TAG_RE.test(tag)) return undefined;
  return `invalid tag ${quote(tag)}: a tag is 1 to 128 letters, digits, "_", "." or "-", ` +
    `not starting with "." or "-"`;
}

/** Builds a Reference without `undefined`-valued keys, so deepEqual in tests stays simple. */
function build(r: {
  registry: string;
  repository: string;
  original: string;
  tag?: string | undefined;
  digest?: Digest | undefined;
  insecure?: boolean | undefined;
}): Reference {
  const out: {
    registry: string;
    repository: string;
    original: string;
    tag?: string;
    digest?: Digest;
    insecure?: boolean;
  } = { registry: r.registry, repository: r.repository, original: r.original };
  if (r.tag !== undefined) out.tag = r.tag;
  if (r.digest !== undefined) out.digest = r.digest;
  if (r.insecure) out.insecure = true;
  return out;
}

function quote(s: string): string {
  return quoteInput(s);
}
