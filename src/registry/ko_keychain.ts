/**
 * ko's keychain: where the credentials of a registry come from, in ko's order.
 *
 * 1. Amazon ECR: AWS credentials → `GetAuthorizationToken` (ECR registries only);
 * 2. the Docker config and podman's auth files (`auths`, `credHelpers`, `credsStore`);
 * 3. Google: Application Default Credentials, else gcloud (`gcr.io`, `*.pkg.dev`, …);
 * 4. GitHub: `GITHUB_TOKEN` (`ghcr.io`);
 * 5. Azure: a service principal from `AZURE_*` (`*.azurecr.io`).
 *
 * The first source with credentials wins. A built-in one answers only for its own cloud's
 * registries and only when its environment is there; its code is loaded only then. A
 * built-in source that fails is passed over, as in ko (public images still pull), but its
 * failure is kept with the anonymous answer: if the registry then refuses, the error says
 * why there were no credentials (a refused or unreachable token endpoint, a malformed key
 * file) instead of a bare 401.
 */
import { KoError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import {
  isAzureRegistry,
  isEcrRegistry,
  isGithubRegistry,
  isGoogleRegistry,
} from "./cloud/cloud_hosts.ts";
import { githubCredential } from "./cloud/github.ts";
import { type Credential, type Keychain, resolveCredential } from "./credentials.ts";
import type { EnvGetter } from "./docker_config.ts";
import type { RoundTrip } from "./round_trip.ts";

/** What ko's keychain needs from the run. */
interface KoKeychainOptions {
  /** The run's environment. */
  env: EnvGetter;
  /** The transport cloud token endpoints are reached through. */
  send: RoundTrip;
}

/** One source of credentials: undefined (or `{}`) when it has none for the registry. */
type Source = (registry: string, repository?: string) => Promise<Credential | undefined>;

/** Whether a credential carries nothing to authenticate with. */
function isAnonymous(c: Credential | undefined): boolean {
  return c === undefined ||
    (!c.registryToken && !c.identityToken && !c.username && !c.password);
}

/** A source used only for the registries `matches` accepts. */
function only(matches: (registry: string) => boolean, source: Source): Source {
  return (registry, repository) =>
    matches(registry) ? source(registry, repository) : Promise.resolve(undefined);
}

/** The keychain of a run, in ko's order (see above). */
export function koKeychain(opts: KoKeychainOptions): Keychain {
  const { env, send } = opts;
  let google: Promise<Source> | undefined;
  const sources: Array<[string, Source]> = [
    [
      "Amazon ECR",
      only(
        isEcrRegistry,
        async (registry) => (await import("./cloud/ecr.ts")).ecrCredential(registry, env, send),
      ),
    ],
    ["the Docker config", (registry, repo) => resolveCredential(registry, repo, { env })],
    [
      "Google",
      only(isGoogleRegistry, async (registry) => {
        google ??= import("./cloud/google.ts").then((m) => m.googleKeychain(env, send));
        return (await google)(registry);
      }),
    ],
    ["GitHub", only(isGithubRegistry, () => Promise.resolve(githubCredential(env)))],
    [
      "Azure",
      only(
        isAzureRegistry,
        async (registry) => (await import("./cloud/azure.ts")).azureCredential(registry, env, send),
      ),
    ],
  ];
  return async (registry, repository) => {
    let unavailable: string | undefined;
    for (const [name, source] of sources) {
      let found: Credential | undefined;
      try {
        found = await source(registry, repository);
      } catch (err) {
        // The Docker config's own errors (a malformed file, a failing helper) stop here, as
        // in ko; a built-in keychain's failure is kept while the next sources are asked.
        if (!(err instanceof KoError) || name === "the Docker config") throw err;
        debug(`${err.message}: asking the next source`);
        unavailable ??= err.message;
        continue;
      }
      if (!isAnonymous(found)) {
        debug(`using credentials for ${registry} from ${found!.source ?? name}`);
        return found!;
      }
    }
    debug(`no credentials for ${registry}: anonymous`);
    return unavailable === undefined ? {} : { unavailable };
  };
}
