/**
 * The GitHub keychain (go-containerregistry's `github.Keychain`, which ko uses): for
 * `ghcr.io` (and GitHub's older `docker.pkg.github.com`), `GITHUB_TOKEN` is the password of
 * `GITHUB_ACTOR`, or of the user `unset` when that is not set, as in ko.
 */
import type { Credential } from "../credentials.ts";
import type { EnvGetter } from "../docker_config.ts";

/** `GITHUB_ACTOR` and `GITHUB_TOKEN`, or undefined without a token. */
export function githubCredential(env: EnvGetter): Credential | undefined {
  const token = env("GITHUB_TOKEN");
  if (!token) return undefined;
  return { username: env("GITHUB_ACTOR") || "unset", password: token, source: "GITHUB_TOKEN" };
}
