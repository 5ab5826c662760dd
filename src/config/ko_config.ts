/**
 * ko's configuration: `.ko.yaml` (located as config_file.ts describes) plus the `KO_*`
 * environment overrides, validated, with every complaint pointing at its place.
 *
 * Rules kept from ko:
 * - Keys are case-insensitive (viper lowercases them); `baseImageOverrides` keys are
 *   lowercased, to be matched against the lowercased import path.
 * - Only the documented keys read the environment, and the environment wins over the file:
 *   `KO_DEFAULTBASEIMAGE`, `KO_DEFAULTPLATFORMS`, `KO_DEFAULTENV`, `KO_DEFAULTFLAGS`,
 *   `KO_DEFAULTLDFLAGS`, `KO_BASEIMAGEOVERRIDES` (a JSON object). `KO_FLAGS`, `KO_BUILDS` and
 *   any other look-alike are ignored (ko #1317). An empty variable counts as unset.
 * - List values given as one string (in the file or the environment) are split on whitespace
 *   (a `defaultPlatforms` string on commas too: `linux/amd64, linux/arm64` is two platforms).
 * - An empty top-level list counts as unset (`defaultFlags: []` is no default flags).
 *
 * Better than ko: wrong types (`builds: 3`, `defaultPlatforms: {a: 1}`), bad references and
 * `env` entries without `=` fail with `<file>:<line>:<col>: …`; unknown keys are warned about
 * (ko ignores them silently); an invalid `KO_BASEIMAGEOVERRIDES` is an error (ko ignores it);
 * a per-build `env`, `flags` or `ldflags` written as `[]` clears its default (ko reads it as
 * unset, so nothing could clear one: #1568).
 */
import type { Node } from "../deps/yaml.ts";
import { isLocalImport } from "../go/import_path.ts";
import { GoLister } from "../go/go_lister.ts";
import { isScratch } from "../image/scratch.ts";
import { parseReference } from "../oci/reference.ts";
import { definedEnv } from "../util/command.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { warn } from "../util/log.ts";
import { type BuildConfig, decodeBuilds, type RawBuild, resolveBuilds } from "./build_entries.ts";
import { findConfigFile, readConfigFile } from "./config_file.ts";
import type { ConfigSource } from "./config_source.ts";
import { badEnvEntry, envEntryMessage, listFromEnv, listFromNode } from "./config_values.ts";
import { withoutKoScheme } from "../util/ko_scheme.ts";

export type { BuildConfig } from "./build_entries.ts";

/** The base image used when neither the file nor the environment names one. */
export const DEFAULT_BASE_IMAGE = "cgr.dev/chainguard/static:latest";

/** The loaded configuration: plain data. */
export interface KoConfig {
  /** The configuration file used (absolute path), if any. */
  file?: string;
  /** Base image for every import path without an override. */
  defaultBaseImage: string;
  /** Lowercased fully qualified import path → base image reference. */
  baseImageOverrides: Record<string, string>;
  /** Platforms used when `--platform` is not given. */
  defaultPlatforms: string[];
  /** `K=V` entries for builds whose `env` is empty. */
  defaultEnv: string[];
  /** Flags for builds whose `flags` is empty. */
  defaultFlags: string[];
  /** Linker flags when there is no `--ldflags` and the build's `ldflags` is empty. */
  defaultLdflags: string[];
  /** The `builds` entries, in file order, each resolved to its import path. */
  builds: BuildConfig[];
  /**
   * `sign.key`: the cosign private key to sign with, as written (relative to the file's
   * directory), and where it is written (`<file>:<line>:<col>`).
   */
  signKey?: { value: string; place: string };
}

/** Inputs of {@link loadKoConfig}. */
interface LoadOptions {
  /** The working directory (default: the process's). */
  cwd?: string;
  /** The environment (default: the process's). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The run's `go list` (a fresh one when absent). */
  lister?: GoLister;
}

const LIST_KEYS = {
  defaultplatforms: "defaultPlatforms",
  defaultenv: "defaultEnv",
  defaultflags: "defaultFlags",
  defaultldflags: "defaultLdflags",
} as const;

const KNOWN_KEYS: Record<string, string> = {
  defaultbaseimage: "defaultBaseImage",
  baseimageoverrides: "baseImageOverrides",
  ...LIST_KEYS,
  builds: "builds",
  sign: "sign",
};

/**
 * Loads the configuration for a working directory and environment.
 *
 * @example
 * ```ts
 * const config = await loadKoConfig({ cwd: "/src/app", env: Deno.env.toObject() });
 * config.defaultBaseImage; // "cgr.dev/chainguard/static:latest" unless configured
 * ```
 */
export async function loadKoConfig(options: LoadOptions = {}): Promise<KoConfig> {
  const cwd = options.cwd ?? Deno.cwd();
  const env = options.env ?? Deno.env.toObject();
  const loc = findConfigFile(cwd, env);
  const src = loc ? await readConfigFile(loc) : undefined;
  const nodes = src ? topLevel(src) : new Map<string, Node>();
  const config: KoConfig = {
    ...(loc ? { file: loc.path } : {}),
    defaultBaseImage: DEFAULT_BASE_IMAGE,
    baseImageOverrides: {},
    defaultPlatforms: [],
    defaultEnv: [],
    defaultFlags: [],
    defaultLdflags: [],
    builds: [],
  };

  // defaultBaseImage
  const baseFromEnv = nonEmpty(env.KO_DEFAULTBASEIMAGE);
  const baseNode = nodes.get("defaultbaseimage");
  if (baseFromEnv !== undefined) {
    config.defaultBaseImage = checkReference(
      "defaultBaseImage",
      baseFromEnv,
      "KO_DEFAULTBASEIMAGE",
    );
  } else if (baseNode && src) {
    const value = src.scalar(baseNode, "'defaultBaseImage'");
    config.defaultBaseImage = checkReference("defaultBaseImage", value, src.at(baseNode));
  }

  // baseImageOverrides
  const overridesFromEnv = nonEmpty(env.KO_BASEIMAGEOVERRIDES);
  const overridesNode = nodes.get("baseimageoverrides");
  if (overridesFromEnv !== undefined) {
    config.baseImageOverrides = overridesFromJson(overridesFromEnv);
  } else if (overridesNode && src) {
    config.baseImageOverrides = overridesFromNode(src, overridesNode);
  }

  // The list keys.
  for (const [lower, name] of Object.entries(LIST_KEYS)) {
    const envName = `KO_${lower.toUpperCase()}`;
    const fromEnv = nonEmpty(env[envName]);
    const node = nodes.get(lower);
    let list: string[] = [];
    let place: string | undefined;
    let itemNodes: Node[] | undefined;
    if (fromEnv !== undefined) {
      list = listFromEnv(fromEnv);
      place = envName;
    } else if (node && src) {
      list = listFromNode(src, node, `'${name}'`, "fields");
      itemNodes = src.items(node);
      place = src.at(node);
    }
    if (name === "defaultPlatforms" && !itemNodes && list.length > 1) {
      // `linux/amd64, linux/arm64` written as one string: ko splits it on whitespace only and
      // then builds for the platform "linux/amd64,"; commas separate platforms here too.
      list = list.flatMap((p) => p.split(",")).filter((p) => p !== "");
    }
    if (name === "defaultEnv") {
      const bad = badEnvEntry(list);
      if (bad >= 0) {
        const at = itemNodes?.[bad] && src ? src.at(itemNodes[bad]) : place;
        throw new KoError(`${at}: ${envEntryMessage(`'${name}'`, list[bad]!)}`);
      }
    }
    config[name] = list;
  }

  // builds
  const buildsNode = nodes.get("builds");
  if (buildsNode && src) {
    const raws: RawBuild[] = decodeBuilds(src, buildsNode);
    config.builds = await resolveBuilds(
      raws,
      cwd,
      definedEnv(env),
      options.lister ?? new GoLister(),
      src,
    );
  }
  // sign
  const signNode = nodes.get("sign");
  if (signNode && src) {
    const signKey = signKeyFromNode(src, signNode);
    if (signKey) config.signKey = signKey;
  }
  return config;
}

/** The `sign` mapping: `key` (a path); other keys are warned about. */
function signKeyFromNode(
  src: ConfigSource,
  node: Node,
): { value: string; place: string } | undefined {
  let key: { value: string; place: string } | undefined;
  for (const e of src.entries(node, "'sign'")) {
    if (e.key.toLowerCase() !== "key") {
      warn(`${src.at(e.keyNode)}: unknown key "sign.${e.key}" is ignored (known keys: sign.key)`);
      continue;
    }
    if (e.value === undefined) continue;
    const value = src.scalar(e.value, "'sign.key'");
    if (value !== "") key = { value, place: src.at(e.value) };
  }
  return key;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === "" ? undefined : v;
}

/** The top-level mapping by lowercased key; unknown keys warned about, duplicates refused. */
function topLevel(src: ConfigSource): Map<string, Node> {
  const out = new Map<string, Node>();
  const root = src.root;
  if (root === undefined) return out;
  const seen = new Map<string, Node>();
  for (const e of src.entries(root, "the configuration")) {
    const key = e.key.toLowerCase();
    if (!(key in KNOWN_KEYS)) {
      const near = KNOWN_KEYS[`default${key}`];
      const hint = near
        ? `did you mean ${JSON.stringify(near)}?`
        : `known keys: ${Object.values(KNOWN_KEYS).join(", ")}`;
      warn(`${src.at(e.keyNode)}: unknown key ${JSON.stringify(e.key)} is ignored (${hint})`);
      continue;
    }
    const first = seen.get(key);
    if (first) {
      throw src.error(
        e.keyNode,
        `duplicate key ${JSON.stringify(e.key)} (keys are case-insensitive; first at ${
          src.at(first)
        })`,
      );
    }
    seen.set(key, e.keyNode);
    if (e.value !== undefined) out.set(key, e.value);
  }
  return out;
}

/** Validates an image reference (the built-in `scratch` included) with ko's message. */
function checkReference(key: string, value: string, place: string): string {
  if (isScratch(value)) return value;
  try {
    parseReference(value);
  } catch (e) {
    throw new KoError(
      `${place}: '${key}': error parsing ${JSON.stringify(value)} as image reference: ${
        errorMessage(e)
      }`,
    );
  }
  return value;
}

function overridesFromNode(src: ConfigSource, node: Node): Record<string, string> {
  const out: Record<string, string> = {};
  const seen = new Map<string, Node>();
  for (const e of src.entries(node, "'baseImageOverrides'")) {
    const key = overrideKey(e.key, src.at(e.keyNode));
    const first = seen.get(key);
    if (first) {
      throw src.error(
        e.keyNode,
        `duplicate 'baseImageOverrides' key ${JSON.stringify(e.key)} (import paths are ` +
          `matched case-insensitively; first at ${src.at(first)})`,
      );
    }
    seen.set(key, e.keyNode);
    const value = e.value === undefined
      ? ""
      : src.scalar(e.value, `'baseImageOverrides' value for ${JSON.stringify(e.key)}`);
    out[key] = checkReference("baseImageOverrides", value, src.at(e.value ?? e.keyNode));
  }
  return out;
}

function overridesFromJson(text: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new KoError(
      `KO_BASEIMAGEOVERRIDES: invalid JSON (${errorMessage(e)}): expected an object such as ` +
        `{"example.com/app/cmd/x": "alpine:3.20"}`,
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new KoError(
      `KO_BASEIMAGEOVERRIDES: expected a JSON object mapping import paths to images, got ${text}`,
    );
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== "string") {
      throw new KoError(
        `KO_BASEIMAGEOVERRIDES: the value for ${JSON.stringify(key)} must be a string, got ${
          JSON.stringify(value)
        }`,
      );
    }
    out[overrideKey(key, "KO_BASEIMAGEOVERRIDES")] = checkReference(
      "baseImageOverrides",
      value,
      "KO_BASEIMAGEOVERRIDES",
    );
  }
  return out;
}

/**
 * A `baseImageOverrides` key as it is matched: lowercased, and without a `ko://` prefix (which
 * ko keeps, so such an entry silently never applies). A local path (`./cmd/app`) can never
 * match a fully qualified import path: warned about, as ko ignores it silently.
 */
function overrideKey(key: string, place: string): string {
  const bare = withoutKoScheme(key);
  if (isLocalImport(bare)) {
    warn(
      `${place}: 'baseImageOverrides' key ${JSON.stringify(key)} is a local path and never ` +
        `matches: keys are full import paths, such as example.com/module/cmd/app`,
    );
  }
  return bare.toLowerCase();
}
