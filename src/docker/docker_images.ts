/**
 * The image operations of the Docker Engine API that ko needs: inspect, tag, load a
 * `docker save` tarball, export one, and the daemon's platform.
 */
import { KoError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import type { DockerClient } from "./docker_client.ts";

/** The parts of `GET /images/<name>/json` ko reads. */
interface ImageInspect {
  /** The image ID (`sha256:<config digest hex>` on Docker's classic store and podman). */
  readonly Id: string;
  readonly RepoTags: readonly string[];
}

/** Inspects an image by ID or reference; undefined when the daemon does not have it. */
export async function inspectImage(
  client: DockerClient,
  nameOrId: string,
  signal?: AbortSignal,
): Promise<ImageInspect | undefined> {
  const res = await client.request("GET", `/images/${nameOrId}/json`, { signal, allow: [404] });
  if (res.status === 404) {
    await res.body?.cancel();
    return undefined;
  }
  const raw = await res.json() as { Id?: unknown; RepoTags?: unknown };
  return {
    Id: typeof raw.Id === "string" ? raw.Id : "",
    RepoTags: Array.isArray(raw.RepoTags)
      ? raw.RepoTags.filter((t): t is string => typeof t === "string")
      : [],
  };
}

/** Splits `name:tag` at the tag's colon (not a registry port's). */
export function splitTag(ref: string): { repo: string; tag: string } {
  const colon = ref.lastIndexOf(":");
  if (colon <= ref.lastIndexOf("/")) return { repo: ref, tag: "latest" };
  return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
}

/** Tags `source` (ID or reference) as `target` (`name:tag`): `POST /images/<source>/tag`. */
export async function tagImage(
  client: DockerClient,
  source: string,
  target: string,
  signal?: AbortSignal,
): Promise<void> {
  const { repo, tag } = splitTag(target);
  const res = await client.request("POST", `/images/${source}/tag`, {
    query: { repo, tag },
    signal,
  });
  await res.body?.cancel();
}

/**
 * Loads a `docker save` tarball (`POST /images/load`, streamed). The daemon answers 200 and
 * reports failures inside its JSON message stream; those become a KoError. Returns the
 * daemon's `Loaded image…` lines.
 */
export async function loadImage(
  client: DockerClient,
  tarball: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): Promise<string[]> {
  const res = await client.request("POST", "/images/load", {
    query: { quiet: "1" },
    headers: { "Content-Type": "application/x-tar" },
    body: tarball,
    signal,
  });
  const messages = parseJsonMessages(await res.text());
  const loaded: string[] = [];
  for (const m of messages) {
    if (m.error) throw new KoError(`docker load: ${m.error}`);
    if (m.stream?.trim()) loaded.push(m.stream.trim());
  }
  debug(`docker load: ${loaded.join("; ") || "(no output)"}`);
  return loaded;
}

/** One message of the daemon's JSON progress stream. */
interface JsonMessage {
  readonly stream?: string;
  readonly status?: string;
  readonly error?: string;
}

/**
 * Parses the concatenated JSON messages Docker streams (`{"stream":…}{"error":…}`, usually one
 * per line). Text that is not JSON at all is kept as one `stream` message.
 */
export function parseJsonMessages(text: string): JsonMessage[] {
  const out: JsonMessage[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"' && depth > 0) inString = true;
    else if (c === "{") {
      if (depth++ === 0) start = i;
    } else if (c === "}" && depth > 0 && --depth === 0) {
      out.push(toMessage(text.slice(start, i + 1)));
    }
  }
  if (out.length === 0 && text.trim() !== "") out.push({ stream: text.trim() });
  return out;
}

function toMessage(json: string): JsonMessage {
  try {
    const m = JSON.parse(json) as {
      stream?: unknown;
      status?: unknown;
      error?: unknown;
      errorDetail?: { message?: unknown };
    };
    const error = typeof m.error === "string"
      ? m.error
      : typeof m.errorDetail?.message === "string"
      ? m.errorDetail.message
      : undefined;
    return {
      ...(typeof m.stream === "string" ? { stream: m.stream } : {}),
      ...(typeof m.status === "string" ? { status: m.status } : {}),
      ...(error !== undefined ? { error } : {}),
    };
  } catch {
    return { stream: json };
  }
}

/** Exports images as a `docker save` tarball: `GET /images/get?names=…`. */
export async function exportImage(
  client: DockerClient,
  name: string,
  signal?: AbortSignal,
): Promise<ReadableStream<Uint8Array>> {
  const res = await client.request("GET", "/images/get", { query: { names: name }, signal });
  if (!res.body) throw new KoError(`docker: GET /images/get: empty answer for ${name}`);
  return res.body;
}

/** The daemon's OS and architecture (`GET /version`), e.g. `linux` and `arm64`. */
export async function daemonPlatform(
  client: DockerClient,
  signal?: AbortSignal,
): Promise<{ os: string; architecture: string }> {
  const v = await client.json<{ Os?: unknown; Arch?: unknown }>("GET", "/version", { signal });
  return {
    os: typeof v.Os === "string" && v.Os ? v.Os : "linux",
    architecture: typeof v.Arch === "string" && v.Arch ? v.Arch : "amd64",
  };
}
