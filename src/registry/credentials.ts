/**
 * Resolving registry credentials like ko's keychain, and storing them for `ko login`.
 * Lookup per file: `credHelpers[host]`, then `credsStore`, then `auths` (`host/repo` prefixes
 * before `host`); files in order: docker config, then podman's auth files. First
 * non-anonymous answer wins. Secrets never appear in messages or logs.
 */
import { checkRegistry, parseRepository } from "../oci/reference.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { describeFsError, writeFileAtomic } from "../util/atomic_file.ts";
import { helperGet, type HelperOptions, helperStore } from "./credential_helper.ts";
import {
  type AuthEntry,
  credentialFilePaths,
  type DockerConfigFile,
  dockerConfigPath,
  type EnvGetter,
  normalizeRegistryKey,
  parseConfigText,
  readDockerConfigFile,
  serverKey,
} from "./docker_config.ts";

/** Credentials for a registry; an empty object means anonymous. */
export interface Credential {
  username?: string;
  password?: string;
  /** An OAuth2 refresh token, exchanged at the token endpoint (`grant_type=refresh_token`). */
  identityToken?: string;
  /** A bearer token sent to the registry as is. */
  registryToken?: string;
  /** Where the credentials came from (for debug output; never a secret). */
  source?: string;
  /** When they stop working (epoch ms), for credentials a cloud issued for a while. */
  expiresAt?: number;
  /**
   * Anonymous because a source that applied could not give credentials: why (one line naming
   * the source, never a secret), told if the registry then refuses anonymous access.
   */
  unavailable?: string;
}

/** Resolves the credentials to use for a repository of a registry. */
export type Keychain = (registry: string, repository?: string) => Promise<Credential>;

/** Options of credential resolution and storage. */
interface KeychainOptions {
  /** Environment lookup (HOME, DOCKER_CONFIG, PATH, …); defaults to `Deno.env.get`. */
  env?: EnvGetter;
}

/** Whether a credential carries nothing to authenticate with. */
function isAnonymous(c: Credential): boolean {
  return !c.registryToken && !c.identityToken && !c.username && !c.password;
}

function defaultEnv(): EnvGetter {
  return (name) => Deno.env.get(name);
}

function helperOptions(env: EnvGetter, where: string): HelperOptions {
  const childEnv: Record<string, string> = {};
  for (const name of ["PATH", "HOME"]) {
    const v = env(name);
    if (v !== undefined) childEnv[name] = v;
  }
  return { path: env("PATH"), env: childEnv, where };
}

/** `host/a/b/c`, `host/a/b`, `host/a`, `host`: the `auths` keys tried for a repository. */
export function authKeysFor(registry: string, repository?: string): string[] {
  const host = normalizeRegistryKey(registry);
  const keys: string[] = [];
  const parts = (repository ?? "").split("/").filter((p) => p !== "");
  for (let n = parts.length; n > 0; n--) keys.push(`${host}/${parts.slice(0, n).join("/")}`);
  keys.push(host);
  return keys;
}

function fromEntry(entry: AuthEntry, source: string): Credential {
  return { ...entry, source };
}

async function fromFile(
  file: DockerConfigFile,
  registry: string,
  repository: string | undefined,
  env: EnvGetter,
): Promise<Credential> {
  const host = normalizeRegistryKey(registry);
  const server = serverKey(registry);
  const helperFor = file.credHelpers.get(host);
  const helper = helperFor ?? file.credsStore;
  if (helper !== undefined) {
    const where = `${helperFor !== undefined ? "credHelpers" : "credsStore"} in ${file.path}`;
    const found = await helperGet(helper, server, helperOptions(env, where));
    if (found !== undefined) {
      const source = `docker-credential-${helper}`;
      return found.username === "<token>"
        ? { identityToken: found.secret, source }
        : { username: found.username, password: found.secret, source };
    }
  }
  for (const key of authKeysFor(registry, repository)) {
    const entry = file.auths.get(key);
    if (entry !== undefined && !isAnonymous(entry)) {
      return fromEntry(entry, `${file.path} (${key})`);
    }
  }
  return {};
}

/**
 * Resolves credentials for `registry` (and optionally a repository in it) from the docker
 * config, its credential helpers, and podman's auth files; `{}` (anonymous) when none apply.
 * Throws a KoError naming the file when a file is malformed, or when a helper fails.
 */
export async function resolveCredential(
  registry: string,
  repository?: string,
  opts: KeychainOptions = {},
): Promise<Credential> {
  const env = opts.env ?? defaultEnv();
  for (const path of credentialFilePaths(env)) {
    const file = await readDockerConfigFile(path);
    if (file === undefined) continue;
    const c = await fromFile(file, registry, repository, env);
    if (!isAnonymous(c)) return c;
  }
  return {};
}

/**
 * Reads and parses every credentials file {@link resolveCredential} would, and throws its
 * KoError for the first malformed one. A run asks this before its first registry request,
 * anonymous ones included: a broken file must not go unnoticed until a registry asks for
 * credentials (ko fails on it at once too). Files that do not exist are fine.
 */
export async function checkCredentialFiles(opts: KeychainOptions = {}): Promise<void> {
  const env = opts.env ?? defaultEnv();
  for (const path of credentialFilePaths(env)) await readDockerConfigFile(path);
}

/** Base64 of UTF-8 text (Docker's `auth` field). */
function base64Utf8(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

/**
 * Throws a KoError quoting `registry` (as given to `ko login`) unless its normalised form is a
 * registry (`host[:port]`), optionally followed by a repository path (`ghcr.io/org/repo`, for
 * credentials scoped to it).
 */
function checkLoginTarget(registry: string, normalised: string): void {
  const slash = normalised.indexOf("/");
  const bad = (why: string) => new KoError(`invalid registry ${JSON.stringify(registry)}: ${why}`);
  try {
    checkRegistry(slash < 0 ? normalised : normalised.slice(0, slash));
  } catch {
    throw bad("expected a host name or [IPv6] address with an optional port, such as ghcr.io");
  }
  if (slash < 0) return;
  try {
    parseRepository(normalised);
  } catch (err) {
    throw bad(errorMessage(err).replace(/^invalid repository "[^"]*": /, ""));
  }
}

/**
 * Stores credentials for `ko login`: through the configured helper (`credHelpers[host]`, else
 * `credsStore`), or in `auths` of the docker config (other content kept; written atomically
 * with mode 0600). Docker Hub is stored as `https://index.docker.io/v1/`. Returns the path of
 * the docker config file.
 */
export async function storeCredentials(
  registry: string,
  username: string,
  password: string,
  opts: KeychainOptions = {},
): Promise<string> {
  const env = opts.env ?? defaultEnv();
  const path = dockerConfigPath(env);
  if (path === undefined) {
    throw new KoError("cannot locate the docker config: set DOCKER_CONFIG or HOME");
  }
  let text = "";
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new KoError(`cannot read "${path}": ${describeFsError(err)}`);
    }
  }
  const file = parseConfigText(text, path);
  const key = serverKey(registry);
  const host = normalizeRegistryKey(registry);
  checkLoginTarget(registry, host);
  const helperFor = file.credHelpers.get(host);
  const helper = helperFor ?? file.credsStore;
  if (helper !== undefined) {
    const where = `${helperFor !== undefined ? "credHelpers" : "credsStore"} in ${path}`;
    await helperStore(helper, key, username, password, helperOptions(env, where));
    return path;
  }
  const raw = (text.trim() === "" ? {} : JSON.parse(text)) as Record<string, unknown>;
  const auths = (raw.auths ?? {}) as Record<string, unknown>;
  auths[key] = { auth: base64Utf8(`${username}:${password}`) };
  raw.auths = auths;
  const dir = path.slice(0, path.lastIndexOf("/")) || "/";
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new KoError(`cannot create "${dir}": ${describeFsError(err)}`);
  }
  await writeFileAtomic(path, JSON.stringify(raw, null, "\t") + "\n", 0o600);
  return path;
}
