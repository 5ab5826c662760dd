/**
 * The Google keychain (go-containerregistry's `google.Keychain`, which ko uses) for
 * `gcr.io`, `*.gcr.io`, `*.pkg.dev` and `*.google.com`: an access token from Application
 * Default Credentials (google_adc.ts), else from `gcloud config config-helper`, sent as the
 * password of the user `_token`. Resolved once per run and reused until it expires.
 */
import { KoError } from "../../util/errors.ts";
import { debug } from "../../util/log.ts";
import type { Credential } from "../credentials.ts";
import type { EnvGetter } from "../docker_config.ts";
import type { RoundTrip } from "../round_trip.ts";
import { applicationDefaultToken, type GoogleToken } from "./google_adc.ts";

/** The run's variables gcloud is given (the rest of the process environment it inherits). */
const GCLOUD_ENV = [
  "PATH",
  "HOME",
  "CLOUDSDK_CONFIG",
  "CLOUDSDK_CORE_ACCOUNT",
  "CLOUDSDK_CORE_PROJECT",
  "CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE",
  "CLOUDSDK_PYTHON",
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "NO_PROXY",
  "no_proxy",
  "REQUESTS_CA_BUNDLE",
  "SSL_CERT_FILE",
];

/** Finds `gcloud` on the run's PATH. */
function findGcloud(env: EnvGetter): string | undefined {
  for (const dir of (env("PATH") ?? "").split(":")) {
    if (dir === "") continue;
    const candidate = `${dir.replace(/\/+$/, "")}/gcloud`;
    try {
      const st = Deno.statSync(candidate);
      if (st.isFile && (st.mode === null || (st.mode & 0o111) !== 0)) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The access token `gcloud config config-helper` prints, or undefined without gcloud. */
async function gcloudToken(env: EnvGetter): Promise<GoogleToken | undefined> {
  const gcloud = findGcloud(env);
  if (gcloud === undefined) return undefined;
  const source = "gcloud config config-helper";
  const childEnv: Record<string, string> = {};
  for (const name of GCLOUD_ENV) {
    const v = env(name);
    if (v !== undefined) childEnv[name] = v;
  }
  const out = await new Deno.Command(gcloud, {
    args: ["config", "config-helper", "--force-auth-refresh", "--format=json(credential)"],
    env: childEnv,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const line = new TextDecoder().decode(out.stderr).split("\n").find((l) => l.trim() !== "");
    throw new KoError(
      `Google credentials from ${source} failed: ${
        line?.trim().slice(0, 200) ?? `exit ${out.code}`
      }`,
    );
  }
  let credential: Record<string, unknown> | undefined;
  try {
    credential = JSON.parse(new TextDecoder().decode(out.stdout))?.credential;
  } catch {
    // reported below
  }
  const token = credential?.access_token;
  const expiry = Date.parse(String(credential?.token_expiry ?? ""));
  if (typeof token !== "string" || token === "" || !Number.isFinite(expiry)) {
    throw new KoError(
      `Google credentials from ${source}: its output has no credential.access_token and token_expiry`,
    );
  }
  return { token, expiresAt: expiry, source };
}

/**
 * The Google keychain of a run: `_token` and an access token for Google's registries,
 * undefined when no Google credentials are configured. Throws a KoError naming the source
 * when one is configured but fails (and no other one works).
 */
export function googleKeychain(
  env: EnvGetter,
  send: RoundTrip,
): (registry: string) => Promise<Credential | undefined> {
  let pending: Promise<GoogleToken | undefined> | undefined;
  let current: GoogleToken | undefined;
  const resolve = async (): Promise<GoogleToken | undefined> => {
    let failure: unknown;
    try {
      const adc = await applicationDefaultToken(env, send);
      if (adc !== undefined) return adc;
    } catch (err) {
      failure = err;
      debug(`${err instanceof Error ? err.message : err}; trying gcloud`);
    }
    const gcloud = await gcloudToken(env);
    if (gcloud !== undefined) return gcloud;
    if (failure !== undefined) throw failure;
    return undefined;
  };
  return async () => {
    if (current === undefined || current.expiresAt - 60_000 < Date.now()) {
      pending ??= resolve().finally(() => pending = undefined);
      current = await pending;
    }
    if (current === undefined) return undefined;
    return {
      username: "_token",
      password: current.token,
      source: `Google ${current.source}`,
      expiresAt: current.expiresAt,
    };
  };
}
