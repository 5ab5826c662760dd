/**
 * How an import path becomes a repository name under `KO_DOCKER_REPO` (ko-behaviour 4.1):
 * `<base>/<last element>-<md5(import path)>` by default, the full path with `-P`, the last
 * element with `-B`, or the base alone with `--bare`.
 */
import { parseRepository, type Repository } from "../oci/reference.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { joinPath, lastElement } from "../util/go_path.ts";
import { md5, toHex } from "../util/hash.ts";

/** The lowercase hex MD5 of an import path (a string is hashed as UTF-8): ko's name suffix. */
export function md5Hex(input: Uint8Array | string): string {
  return toHex(md5(input));
}

/** The naming strategy chosen by flags. */
type NamingStrategy = "md5" | "preserve" | "base" | "bare";

/** Maps `(KO_DOCKER_REPO, import path)` to a repository string. */
export type Namer = (base: string, importPath: string) => string;

/** Picks the strategy with ko's precedence: `-P`, then `-B`, then `--bare`, then md5. */
export function namingStrategy(flags: {
  preserveImportPaths?: boolean;
  baseImportPaths?: boolean;
  bare?: boolean;
}): NamingStrategy {
  if (flags.preserveImportPaths) return "preserve";
  if (flags.baseImportPaths) return "base";
  if (flags.bare) return "bare";
  return "md5";
}

/** The namer for a strategy. */
export function namer(strategy: NamingStrategy): Namer {
  switch (strategy) {
    case "preserve":
      return (base, ip) => joinPath(base, ip);
    case "base":
      return (base, ip) => joinPath(base, lastElement(ip));
    case "bare":
      return (base) => base;
    case "md5":
      return (base, ip) => joinPath(base, `${lastElement(ip)}-${md5Hex(ip)}`);
  }
}

/**
 * Parses an image name a namer made, so no publisher writes or prints a reference that does
 * not parse: an empty name (`--bare` without `KO_DOCKER_REPO`), a bare registry (`--bare` with
 * `KO_DOCKER_REPO=host:port`), or a mixed-case name (the no-op publisher keeps the case).
 */
export function imageRepository(name: string, insecure = false): Repository {
  if (name === "") {
    throw new KoError(
      "the image name is empty: --bare names images after KO_DOCKER_REPO, which is unset",
    );
  }
  let repo: Repository;
  try {
    repo = parseRepository(name, { insecure });
  } catch (e) {
    throw new KoError(`failed to parse "${name}" as repository: ${errorMessage(e)}`);
  }
  if (repo.repository === "") {
    throw new KoError(
      `image name "${name}" is a registry without a repository: with --bare, KO_DOCKER_REPO must name a repository such as ${name}/app`,
    );
  }
  return repo;
}
