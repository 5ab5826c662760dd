/**
 * The docker credential-helper protocol: `docker-credential-<name> get` with the server URL on
 * stdin prints `{"ServerURL","Username","Secret"}`; `store` takes that JSON on stdin. A
 * "credentials not found" failure means anonymous. Helper output never reaches any log.
 */
import { KoError } from "../util/errors.ts";

/** What a helper returned for a server (already checked for shape). */
interface HelperCredential {
  username: string;
  secret: string;
}

/** Finds `docker-credential-<name>` on a PATH string; undefined when absent. */
function findHelper(name: string, path: string | undefined): string | undefined {
  const exe = `docker-credential-${name}`;
  for (const dir of (path ?? "").split(":")) {
    if (dir === "") continue;
    const candidate = `${dir.replace(/\/+$/, "")}/${exe}`;
    try {
      const st = Deno.statSync(candidate);
      if (st.isFile && (st.mode === null || (st.mode & 0o111) !== 0)) return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

async function run(
  program: string,
  action: "get" | "store",
  input: string,
  env: Record<string, string>,
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const child = new Deno.Command(program, {
    args: [action],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env,
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const out = await child.output();
  const dec = new TextDecoder();
  return { ok: out.success, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The first non-empty line of a helper's output, for error messages (never credentials). */
function firstLine(text: string): string {
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "") ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function helperMissing(name: string, where: string): KoError {
  return new KoError(
    `credential helper "docker-credential-${name}" (${where}) is not on PATH: install it or remove it from the configuration`,
  );
}

/** Options shared by helper calls. */
export interface HelperOptions {
  /** PATH to search for the helper. */
  path: string | undefined;
  /** Environment for the helper process (HOME, PATH, …). */
  env?: Record<string, string>;
  /** Where the helper was configured, for messages (`credsStore in /x/config.json`). */
  where: string;
}

/**
 * Asks a helper for the credentials of `serverUrl`; undefined when it has none.
 * Throws a KoError when the helper is missing, fails, or prints something unreadable.
 */
export async function helperGet(
  name: string,
  serverUrl: string,
  opts: HelperOptions,
): Promise<HelperCredential | undefined> {
  const program = findHelper(name, opts.path);
  if (program === undefined) throw helperMissing(name, opts.where);
  const { ok, stdout, stderr } = await run(program, "get", serverUrl, opts.env ?? {});
  if (!ok) {
    if (/credentials not found/i.test(stdout + stderr)) return undefined;
    throw new KoError(
      `credential helper "docker-credential-${name}" failed for "${serverUrl}": ${
        firstLine(stdout) || firstLine(stderr) || "exited with an error"
      }`,
    );
  }
  let v: unknown;
  try {
    v = JSON.parse(stdout);
  } catch {
    throw new KoError(
      `credential helper "docker-credential-${name}" printed invalid JSON for "${serverUrl}"`,
    );
  }
  const { Username, Secret } = (v ?? {}) as Record<string, unknown>;
  if (typeof Secret !== "string" || (Username !== undefined && typeof Username !== "string")) {
    throw new KoError(
      `credential helper "docker-credential-${name}" answered without "Secret" for "${serverUrl}"`,
    );
  }
  if (Secret === "" && !Username) return undefined;
  return { username: (Username as string | undefined) ?? "", secret: Secret };
}

/** Stores credentials through a helper (`store` action). Throws a KoError on failure. */
export async function helperStore(
  name: string,
  serverUrl: string,
  username: string,
  secret: string,
  opts: HelperOptions,
): Promise<void> {
  const program = findHelper(name, opts.path);
  if (program === undefined) throw helperMissing(name, opts.where);
  const input = JSON.stringify({ ServerURL: serverUrl, Username: username, Secret: secret });
  const { ok, stdout, stderr } = await run(program, "store", input, opts.env ?? {});
  if (!ok) {
    // A helper may echo what it was given: never let the secret through.
    const scrub = (text: string) => secret === "" ? text : text.split(secret).join("<redacted>");
    throw new KoError(
      `credential helper "docker-credential-${name}" could not store credentials for "${serverUrl}": ${
        firstLine(scrub(stdout)) || firstLine(scrub(stderr)) || "exited with an error"
      }`,
    );
  }
}
