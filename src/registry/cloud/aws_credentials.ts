/**
 * AWS credentials as the AWS SDK finds them for the ECR credential helper ko embeds: the
 * environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), then the
 * profile `AWS_PROFILE` (else `default`) of the shared credentials file
 * (`AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`) and config file
 * (`AWS_CONFIG_FILE`, else `~/.aws/config`): static keys, or a `credential_process`.
 * Profiles that assume roles or use SSO are not followed; they are named in the error.
 */
import { describeFsError } from "../../util/atomic_file.ts";
import { KoError } from "../../util/errors.ts";
import type { EnvGetter } from "../docker_config.ts";
import type { AwsCredentials } from "./sigv4.ts";

/** Credentials and where they came from (never a secret). */
interface FoundAwsCredentials extends AwsCredentials {
  readonly source: string;
  /** When temporary credentials (a `credential_process`) stop working, epoch ms. */
  readonly expiresAt?: number;
}

type IniSections = Map<string, Map<string, string>>;

/** Parses an AWS INI file: `[section]` headers, `key = value` lines, `#`/`;` comments. */
function parseAwsIni(text: string): IniSections {
  const sections: IniSections = new Map();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s*[#;].*$/, "");
    if (line.trim() === "") continue;
    const header = /^\s*\[\s*([^\]]+?)\s*\]\s*$/.exec(line);
    if (header) {
      current = sections.get(header[1]!) ?? new Map();
      sections.set(header[1]!, current);
      lastKey = undefined;
      continue;
    }
    if (/^\s/.test(line) && lastKey !== undefined && current) {
      // A continuation line (nested settings such as s3 = …) belongs to the previous key.
      continue;
    }
    const eq = line.indexOf("=");
    if (eq < 0 || current === undefined) continue;
    lastKey = line.slice(0, eq).trim().toLowerCase();
    current.set(lastKey, line.slice(eq + 1).trim());
  }
  return sections;
}

/** Reads an INI file; undefined when it does not exist. */
async function readIni(path: string, what: string): Promise<IniSections | undefined> {
  try {
    return parseAwsIni(await Deno.readTextFile(path));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw new KoError(`cannot read the AWS ${what} "${path}": ${describeFsError(err)}`);
  }
}

/** Runs a profile's `credential_process` and reads its JSON (version 1). */
async function credentialProcess(
  command: string,
  profile: string,
  env: EnvGetter,
): Promise<FoundAwsCredentials> {
  const source = `credential_process of AWS profile "${profile}"`;
  const childEnv: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "AWS_PROFILE"]) {
    const v = env(name);
    if (v !== undefined) childEnv[name] = v;
  }
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("/bin/sh", {
      args: ["-c", command],
      env: childEnv,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (err) {
    throw new KoError(`${source} could not run: ${describeFsError(err)}`);
  }
  if (!out.success) {
    const line = new TextDecoder().decode(out.stderr).split("\n").find((l) => l.trim() !== "");
    throw new KoError(`${source} failed: ${line?.trim().slice(0, 200) ?? `exit ${out.code}`}`);
  }
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(new TextDecoder().decode(out.stdout));
  } catch {
    throw new KoError(`${source} printed invalid JSON`);
  }
  const { AccessKeyId, SecretAccessKey, SessionToken, Expiration } = v ?? {};
  if (typeof AccessKeyId !== "string" || typeof SecretAccessKey !== "string") {
    throw new KoError(`${source} printed no AccessKeyId and SecretAccessKey`);
  }
  const expiresAt = typeof Expiration === "string" ? Date.parse(Expiration) : NaN;
  return {
    accessKeyId: AccessKeyId,
    secretAccessKey: SecretAccessKey,
    ...(typeof SessionToken === "string" && SessionToken !== ""
      ? { sessionToken: SessionToken }
      : {}),
    ...(Number.isFinite(expiresAt) ? { expiresAt } : {}),
    source,
  };
}

/**
 * The AWS credentials of the environment, or undefined when it has none. Throws a KoError
 * naming the file or profile when they are configured but unusable.
 */
export async function findAwsCredentials(
  env: EnvGetter,
): Promise<FoundAwsCredentials | undefined> {
  const id = env("AWS_ACCESS_KEY_ID") || env("AWS_ACCESS_KEY");
  const secret = env("AWS_SECRET_ACCESS_KEY") || env("AWS_SECRET_KEY");
  if (id && secret) {
    const token = env("AWS_SESSION_TOKEN");
    return {
      accessKeyId: id,
      secretAccessKey: secret,
      ...(token ? { sessionToken: token } : {}),
      source: "AWS_ACCESS_KEY_ID in the environment",
    };
  }
  const home = env("HOME");
  const named = env("AWS_PROFILE");
  const profile = named || "default";
  const credentialsPath = env("AWS_SHARED_CREDENTIALS_FILE") ||
    (home ? `${home}/.aws/credentials` : undefined);
  const configPath = env("AWS_CONFIG_FILE") || (home ? `${home}/.aws/config` : undefined);
  const fromCredentials = credentialsPath
    ? (await readIni(credentialsPath, "credentials file"))?.get(profile)
    : undefined;
  const config = configPath ? await readIni(configPath, "config file") : undefined;
  const fromConfig = config?.get(profile === "default" ? "default" : `profile ${profile}`);
  if (fromCredentials === undefined && fromConfig === undefined) {
    if (named) {
      throw new KoError(
        `AWS profile "${profile}" (AWS_PROFILE) is in neither ${
          credentialsPath ?? "~/.aws/credentials"
        } nor ${configPath ?? "~/.aws/config"}`,
      );
    }
    return undefined;
  }
  for (const [settings, path] of [[fromCredentials, credentialsPath], [fromConfig, configPath]]) {
    if (!(settings instanceof Map)) continue;
    const key = settings.get("aws_access_key_id");
    const secretKey = settings.get("aws_secret_access_key");
    if (key && secretKey) {
      const token = settings.get("aws_session_token");
      return {
        accessKeyId: key,
        secretAccessKey: secretKey,
        ...(token ? { sessionToken: token } : {}),
        source: `AWS profile "${profile}" in ${path}`,
      };
    }
    const process = settings.get("credential_process");
    if (process) return await credentialProcess(process, profile, env);
  }
  const other = ["role_arn", "sso_session", "sso_start_url", "web_identity_token_file"]
    .find((k) => fromCredentials?.has(k) || fromConfig?.has(k));
  throw new KoError(
    other
      ? `AWS profile "${profile}" uses ${other}, which ko does not follow: give it static keys or a credential_process, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`
      : `AWS profile "${profile}" has no aws_access_key_id and aws_secret_access_key`,
  );
}
