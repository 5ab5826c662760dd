/**
 * Docker's `config.json` (and podman's `auth.json`, same format): where the files are, how
 * their `auths` keys are normalised, and reading them with errors that name the file but
 * never show its content.
 */
import { describeFsError } from "../util/atomic_file.ts";
import { KoError } from "../util/errors.ts";
import { jsonErrorPosition } from "../util/json_position.ts";

/** Credentials of one `auths` entry. */
export interface AuthEntry {
  username?: string;
  password?: string;
  identityToken?: string;
  registryToken?: string;
}

/** A parsed credentials file. */
export interface DockerConfigFile {
  /** Where it was read from. */
  path: string;
  /** `auths` entries by normalised key (`index.docker.io`, `host:5000`, `host/repo`). */
  auths: Map<string, AuthEntry>;
  /** `credHelpers` by normalised key. */
  credHelpers: Map<string, string>;
  /** The default helper (`credsStore`). */
  credsStore?: string;
}

/** Environment lookup used to locate files (tests pass their own). */
export type EnvGetter = (name: string) => string | undefined;

/** Docker Hub's key in `auths` and the server URL given to helpers for it. */
const DOCKER_HUB_KEY = "https://index.docker.io/v1/";

const HUB_ALIASES = new Set(["index.docker.io", "docker.io", "registry-1.docker.io"]);

/**
 * Normalises an `auths`/`credHelpers` key or registry name to `host[:port][/path]`:
 * `https://index.docker.io/v1/` and `docker.io` → `index.docker.io`, `http://h:5000/` → `h:5000`.
 */
export function normalizeRegistryKey(key: string): string {
  let k = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  k = k.replace(/\/+$/, "").replace(/\/v[12]$/, "").replace(/\/+$/, "");
  const slash = k.indexOf("/");
  const host = (slash < 0 ? k : k.slice(0, slash)).toLowerCase();
  const rest = slash < 0 ? "" : k.slice(slash);
  return (HUB_ALIASES.has(host) ? "index.docker.io" : host) + rest;
}

/** The key Docker uses for a registry: `https://index.docker.io/v1/` for Hub, else the host. */
export function serverKey(registry: string): string {
  const n = normalizeRegistryKey(registry);
  return n === "index.docker.io" ? DOCKER_HUB_KEY : n;
}

/** The user's home directory, or undefined. */
function home(env: EnvGetter): string | undefined {
  return env("HOME") || undefined;
}

/** `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json` (undefined without a home). */
export function dockerConfigPath(env: EnvGetter): string | undefined {
  const dir = env("DOCKER_CONFIG");
  if (dir) return `${dir.replace(/\/+$/, "")}/config.json`;
  const h = home(env);
  return h === undefined ? undefined : `${h}/.docker/config.json`;
}

/**
 * Every credentials file in lookup order (ko-behaviour 8.2): the docker config, then podman's
 * `$REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json` and
 * `$XDG_CONFIG_HOME` (or `~/.config`) `/containers/auth.json`. Files may not exist.
 */
export function credentialFilePaths(env: EnvGetter): string[] {
  const out: string[] = [];
  const add = (p: string | undefined) => {
    if (p && !out.includes(p)) out.push(p);
  };
  add(dockerConfigPath(env));
  add(env("REGISTRY_AUTH_FILE"));
  const runtime = env("XDG_RUNTIME_DIR");
  if (runtime) add(`${runtime}/containers/auth.json`);
  const configHome = env("XDG_CONFIG_HOME") || (home(env) ? `${home(env)}/.config` : undefined);
  if (configHome) add(`${configHome}/containers/auth.json`);
  return out;
}

/**
 * Where a JSON syntax error sits (` at line 2, column 1`), without quoting the text: it may
 * hold secrets.
 */
function jsonErrorPlace(text: string): string {
  const pos = jsonErrorPosition(text);
  if (pos === undefined) return "";
  return ` at line ${pos.line}, column ${pos.column}${
    pos.atEnd ? " (unexpected end of file)" : ""
  }`;
}

function decodeAuth(value: string, key: string, path: string): [string, string] {
  const bad = () =>
    new KoError(
      `invalid "auth" for "${key}" in "${path}": expected base64 of "username:password"`,
    );
  let text: string;
  try {
    const bin = atob(value.trim());
    text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(bin, (ch) => ch.charCodeAt(0)),
    );
  } catch {
    throw bad();
  }
  const colon = text.indexOf(":");
  if (colon < 0) throw bad();
  return [text.slice(0, colon), text.slice(colon + 1)];
}

function str(v: unknown, field: string, key: string, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") {
    throw new KoError(`invalid "${field}" for "${key}" in "${path}": expected a string`);
  }
  return v === "" ? undefined : v;
}

function parseEntry(v: unknown, key: string, path: string): AuthEntry {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new KoError(`invalid entry for "${key}" in "${path}": expected an object`);
  }
  const o = v as Record<string, unknown>;
  const entry: AuthEntry = {};
  const username = str(o.username, "username", key, path);
  const password = str(o.password, "password", key, path);
  if (username !== undefined) entry.username = username;
  if (password !== undefined) entry.password = password;
  const auth = str(o.auth, "auth", key, path);
  if (auth !== undefined) [entry.username, entry.password] = decodeAuth(auth, key, path);
  const identity = str(o.identitytoken, "identitytoken", key, path);
  if (identity !== undefined) entry.identityToken = identity;
  const registry = str(o.registrytoken, "registrytoken", key, path);
  if (registry !== undefined) entry.registryToken = registry;
  return entry;
}

function objectField(
  o: Record<string, unknown>,
  field: string,
  path: string,
): Record<string, unknown> {
  const v = o[field];
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) {
    throw new KoError(`invalid "${field}" in "${path}": expected an object`);
  }
  return v as Record<string, unknown>;
}

/** Parses a credentials file's text. Throws a KoError naming the file when it is malformed. */
export function parseConfigText(text: string, path: string): DockerConfigFile {
  let v: unknown;
  try {
    v = text.trim() === "" ? {} : JSON.parse(text);
  } catch (err) {
    throw new KoError(`cannot parse "${path}": not valid JSON${jsonErrorPlace(text)}`, {
      cause: err,
    });
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new KoError(`cannot parse "${path}": expected a JSON object`);
  }
  const o = v as Record<string, unknown>;
  const file: DockerConfigFile = { path, auths: new Map(), credHelpers: new Map() };
  // Exact canonical keys win over aliases that normalise to the same registry.
  const entries = Object.entries(objectField(o, "auths", path)).sort(([a], [b]) =>
    Number(normalizeRegistryKey(a) === a || a === DOCKER_HUB_KEY) -
    Number(normalizeRegistryKey(b) === b || b === DOCKER_HUB_KEY)
  );
  for (const [key, value] of entries) {
    file.auths.set(normalizeRegistryKey(key), parseEntry(value, key, path));
  }
  for (const [key, value] of Object.entries(objectField(o, "credHelpers", path))) {
    if (typeof value !== "string" || value === "") {
      throw new KoError(`invalid "credHelpers" entry for "${key}" in "${path}": expected a name`);
    }
    file.credHelpers.set(normalizeRegistryKey(key), value);
  }
  const store = o.credsStore;
  if (store !== undefined && store !== null && store !== "") {
    if (typeof store !== "string") {
      throw new KoError(`invalid "credsStore" in "${path}": expected a name`);
    }
    file.credsStore = store;
  }
  return file;
}

/** Reads a credentials file; undefined when it does not exist. */
export async function readDockerConfigFile(path: string): Promise<DockerConfigFile | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    if (err instanceof Deno.errors.IsADirectory) return undefined;
    throw new KoError(`cannot read "${path}": ${describeFsError(err)}`);
  }
  return parseConfigText(text, path);
}
