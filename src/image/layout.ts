/**
 * OCI image layouts on disk (`oci-layout`, `index.json`, `blobs/sha256/<hex>`). A new layout
 * gets both files at once (an empty index, as go-containerregistry's `layout.Write`), so a run
 * killed later leaves a valid layout. Blobs are content-addressed and written atomically one by
 * one; `index.json` is rewritten atomically when a batch of images is committed, replacing
 * entries with the same `ref.name` so repeated runs do not pile up duplicates (ko appends
 * forever). Both files are formatted byte for byte as go-containerregistry's layout writer
 * formats them. Opening a layout removes the temporary files of killed runs and completes a
 * layout such a run left half made; anything else that is not a layout is refused.
 */
import { join } from "../util/posix_path.ts";
import type { Artifact } from "../oci/artifact.ts";
import { digestHex } from "../oci/digest.ts";
import type { Descriptor } from "../oci/descriptor.ts";
import { type Index, parseIndex, serializeLayoutIndex } from "../oci/manifest.ts";
import { MediaType } from "../oci/media_types.ts";
import { REF_NAME_ANNOTATION as REF_NAME } from "../oci/annotations.ts";
import { describeFsError, writeFileAtomic } from "../util/atomic_file.ts";
import { isTempName, removeOrphanTemps } from "../util/owned_temp.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { type BuildResult, descriptorOf, type Image } from "./image.ts";

/** `oci-layout`, byte for byte as go-containerregistry's layout writer makes it. */
const LAYOUT_FILE = '{\n    "imageLayoutVersion": "1.0.0"\n}';

/** An OCI layout being written: blobs now, index entries at {@link commit}. */
export class LayoutWriter {
  readonly #pending: { d: Descriptor; rank: number }[] = [];

  private constructor(readonly path: string, private readonly created: boolean) {}

  /**
   * Opens a layout directory, creating it (with `oci-layout` and an empty `index.json`) when
   * missing, and completing one a killed run of ours left half made.
   */
  static async open(path: string): Promise<LayoutWriter> {
    let created = false;
    try {
      const st = await Deno.stat(path);
      if (!st.isDirectory) throw new KoError(`--oci-layout-path "${path}" is not a directory`);
    } catch (e) {
      if (e instanceof KoError) throw e;
      if (!(e instanceof Deno.errors.NotFound)) {
        throw new KoError(`--oci-layout-path "${path}": ${describeFsError(e)}`, { cause: e });
      }
      try {
        await Deno.mkdir(path, { recursive: true });
      } catch (err) {
        throw new KoError(`cannot create --oci-layout-path "${path}": ${(err as Error).message}`);
      }
      created = true;
    }
    const blobs = join(path, "blobs", "sha256");
    const indexPath = join(path, "index.json");
    if (!created) {
      await removeOrphanTemps(path);
      await removeOrphanTemps(blobs);
      // An index.json that commit could not read fails now, before anything is built or pushed.
      if (await layoutState(path) === "layout") await readIndex(indexPath);
    }
    if (!(await exists(join(path, "oci-layout")))) {
      await writeFileAtomic(join(path, "oci-layout"), LAYOUT_FILE);
    }
    if (!(await exists(indexPath))) await writeFileAtomic(indexPath, serializeLayoutIndex(EMPTY));
    await Deno.mkdir(blobs, { recursive: true });
    return new LayoutWriter(path, created);
  }

  /**
   * Writes every blob of a result and queues its index entries (one per reference name);
   * `commit` lists queued entries by `rank`, then in the order they were queued.
   */
  async write(
    result: BuildResult,
    refNames: readonly string[],
    rank = 0,
    signal?: AbortSignal,
  ): Promise<void> {
    if (result.kind === "index") {
      for (const c of result.children) {
        if (!c.image) throw new KoError(`index child ${c.descriptor.digest} was not built`);
        await this.#writeImage(c.image, signal);
      }
    } else await this.#writeImage(result, signal);
    await this.#writeBlob(result.digest, result.manifestBytes);
    const d = descriptorOf(result);
    if (result.kind === "image") d.artifactType = result.manifest.config.mediaType;
    if (refNames.length === 0) this.#pending.push({ d, rank });
    for (const name of refNames) {
      this.#pending.push({ d: { ...d, annotations: { [REF_NAME]: name } }, rank });
    }
  }

  /**
   * Writes an OCI 1.1 referrer (a signature or attestation of an image written here) and
   * queues its index entry: no `ref.name`, its `artifactType`, so tools that list a layout's
   * referrers by `subject` find it.
   */
  async writeReferrer(artifact: Artifact, rank = 0): Promise<void> {
    for (const b of artifact.blobs) await this.#writeBlob(b.digest, b.bytes);
    await this.#writeBlob(artifact.digest, artifact.bytes);
    const m = artifact.manifest;
    this.#pending.push({
      d: {
        mediaType: artifact.mediaType,
        size: artifact.bytes.length,
        digest: artifact.digest,
        ...(m.annotations ? { annotations: m.annotations } : {}),
        artifactType: m.artifactType ?? m.config.mediaType,
      },
      rank,
    });
  }

  /** Rewrites `index.json` with the queued entries (replacing same-named or identical ones). */
  async commit(): Promise<void> {
    const indexPath = join(this.path, "index.json");
    const index = await readIndex(indexPath);
    const key = (d: Descriptor) => d.annotations?.[REF_NAME] ?? `digest:${d.digest}`;
    const seen = new Set<string>(); // an unnamed entry (a referrer) is listed once
    const pending = this.#pending.toSorted((a, b) => a.rank - b.rank).map((p) => p.d)
      .filter((d) =>
        d.annotations?.[REF_NAME] !== undefined ||
        !seen.has(d.digest) && seen.add(d.digest) !== undefined
      );
    const replaced = new Set(pending.map(key));
    const manifests = [...index.manifests.filter((d) => !replaced.has(key(d))), ...pending];
    await writeFileAtomic(indexPath, serializeLayoutIndex({ ...index, manifests }));
    this.#pending.length = 0;
  }

  /** Removes the layout again if this writer created it (a failed run leaves nothing). */
  async abort(): Promise<void> {
    if (this.created) await Deno.remove(this.path, { recursive: true }).catch(() => {});
  }

  async #writeImage(img: Image, signal?: AbortSignal): Promise<void> {
    await this.#writeBlob(img.manifest.config.digest, img.configBytes);
    for (const layer of img.layers) {
      const p = this.#blobPath(layer.digest);
      if (await hasSize(p, layer.size)) continue;
      await writeFileAtomic(p, await layer.open(), 0o644, signal);
    }
    await this.#writeBlob(img.digest, img.manifestBytes);
  }

  async #writeBlob(digest: string, bytes: Uint8Array): Promise<void> {
    const p = this.#blobPath(digest);
    if (!(await hasSize(p, bytes.length))) await writeFileAtomic(p, bytes);
  }

  #blobPath(digest: string): string {
    return join(this.path, "blobs", "sha256", digestHex(digest));
  }
}

/** The index of a new layout. */
const EMPTY: Index = { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] };

/**
 * What an existing directory holds: a `layout` (`oci-layout` and `index.json`), nothing yet
 * (`empty`), or `partial`: what a run of ours killed before its layout had both files leaves
 * (our `oci-layout` alone, with or without our blobs). Throws for anything else.
 */
async function layoutState(path: string): Promise<"layout" | "empty" | "partial"> {
  const names = new Set<string>();
  for await (const e of Deno.readDir(path)) if (!isTempName(e.name)) names.add(e.name);
  if (names.size === 0) return "empty";
  if (names.has("oci-layout") && names.has("index.json")) return "layout";
  const ours = names.has("oci-layout") &&
    [...names].every((n) => n === "oci-layout" || n === "blobs") &&
    await Deno.readTextFile(join(path, "oci-layout")).then((t) => t === LAYOUT_FILE, () => false) &&
    await onlyBlobs(join(path, "blobs"));
  if (ours) return "partial";
  throw new KoError(
    names.has("oci-layout")
      ? `--oci-layout-path "${path}" is not a complete OCI layout: it has no index.json`
      : `--oci-layout-path "${path}" is not empty and is not an OCI layout`,
  );
}

/** Whether `dir` is absent or holds only `sha256/<hex>` files. */
async function onlyBlobs(dir: string): Promise<boolean> {
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.name !== "sha256" || !e.isDirectory) return false;
    }
    for await (const e of Deno.readDir(join(dir, "sha256"))) {
      if (!e.isFile || !(/^[0-9a-f]{64}$/.test(e.name) || isTempName(e.name))) return false;
    }
    return true;
  } catch (e) {
    return e instanceof Deno.errors.NotFound;
  }
}

/** A layout's index.json, or an empty index when there is none yet. */
async function readIndex(indexPath: string): Promise<Index> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(indexPath);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return EMPTY;
    throw new KoError(`--oci-layout-path: cannot read "${indexPath}": ${describeFsError(e)}`);
  }
  try {
    return parseIndex(bytes, indexPath);
  } catch (e) {
    throw new KoError(`--oci-layout-path: ${errorMessage(e)}`);
  }
}

/** Whether a blob is there already, as a file of the right size (else it is written again). */
async function hasSize(p: string, size: number): Promise<boolean> {
  try {
    const st = await Deno.stat(p);
    return st.isFile && st.size === size;
  } catch {
    return false;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}
