/**
 * Without KOCACHE: the digests of a binary's layer, remembered next to the kept `go build`
 * output (`<output dir>/layer.json`, see build_output.ts) under the key KOCACHE's layer cache
 * uses (Go build ID, tar entries, media type, compression settings, Deno version). While the
 * binary is unchanged, a rebuild takes the layer's digests from there and makes no tar and no
 * gzip: the bytes are made only when a publisher opens the layer (a registry that lacks the
 * blob, a tarball, a layout), and they must hash to the remembered digest and have its size.
 * The record checks itself (layer_record.ts): a damaged one is rebuilt, never believed. Unlike
 * KOCACHE, no blob is kept.
 */
import { dirname, join } from "../util/posix_path.ts";
import { buildLayer, type BuiltLayer, prepareLayerFor } from "../layer/compress.ts";
import type { Layer } from "../layer/layer.ts";
import { layerFromBuilt } from "../layer/compress.ts";
import { removeOrphanedWrites, writeFileAtomic } from "../util/atomic_file.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import { binaryIdentity, layerCacheKey } from "./layer_cache.ts";
import {
  DamagedRecord,
  type LayerRecord,
  parseLayerRecord,
  serializeLayerRecord,
} from "./layer_record.ts";
import type { BinaryLayerRequest, BinaryLayers } from "./binary_layers.ts";

/** The record's file name, in the output directory. */
export const LAYER_MEMO = "layer.json";

/** Remembered layer digests for the binaries kept under one output root. */
export class LayerMemo implements BinaryLayers {
  /** `root`: the kept outputs' root; binaries elsewhere (temporary dirs) are not remembered. */
  constructor(readonly root: string) {}

  /**
   * The `prepareBinaryLayer` hook: before `go build` rewrites `output`, gets the compression
   * code ready (and the workers, for a large binary) unless the layer will probably not need
   * compressing: a record exists and no Go file of the package is newer than the binary.
   */
  async prepare(output: string, pkgDir: string): Promise<void> {
    const recorded = await Deno.stat(join(dirname(output), LAYER_MEMO)).then(
      () => true,
      () => false,
    );
    if (!recorded || await sourcesNewer(pkgDir, output)) await prepareLayerFor(output);
  }

  /** The `binaryLayer` hook: remembered digests with lazily made bytes, or a fresh layer. */
  async make(a: BinaryLayerRequest): Promise<Layer> {
    const build = () => buildLayer(a.entries, { mediaType: a.mediaType });
    if (!a.cacheable || !a.binaryPath.startsWith(`${this.root}/`)) {
      return { ...layerFromBuilt(await build()), likelyNew: true };
    }
    const path = join(dirname(a.binaryPath), LAYER_MEMO);
    const identity = () => binaryIdentity(a.binaryPath);
    const key = layerCacheKey(await identity(), a.entries, a.mediaType);
    const record = await readMemo(path, key);
    if (record) {
      debug(`layer memo: ${a.binaryPath}: hit ${record.digest}`);
      return lazyLayer(record, async () => {
        if (layerCacheKey(await identity(), a.entries, a.mediaType) !== key) {
          throw new KoError(
            `the binary ${a.binaryPath} changed while its layer was being published: build again`,
          );
        }
        const built = await build();
        if (
          built.digest !== record.digest || built.diffId !== record.diffId ||
          built.size !== record.size
        ) {
          await Deno.remove(path).catch(() => {});
          throw new KoError(
            `the layer of ${a.binaryPath} hashes to ${built.digest}, not the remembered ${record.digest}: build again`,
          );
        }
        return built;
      });
    }
    const built = await build();
    await removeOrphanedWrites(path);
    await writeFileAtomic(path, serializeLayerRecord(key, built)).catch((e) =>
      debug(`layer memo: cannot write ${path}: ${errorMessage(e)}`)
    );
    return { ...layerFromBuilt(built), likelyNew: true };
  }
}

/** Whether a `.go` file in `dir` was modified after `binary` (or either cannot be read). */
export async function sourcesNewer(dir: string, binary: string): Promise<boolean> {
  try {
    const built = (await Deno.stat(binary)).mtime?.getTime() ?? 0;
    for await (const e of Deno.readDir(dir)) {
      if (!e.name.endsWith(".go")) continue;
      if (((await Deno.stat(join(dir, e.name))).mtime?.getTime() ?? Infinity) > built) return true;
    }
    return false;
  } catch {
    return true;
  }
}

/** The record at `path` if it is sound and for `key`. */
async function readMemo(path: string, key: string): Promise<LayerRecord | undefined> {
  try {
    return parseLayerRecord(await Deno.readTextFile(path), key);
  } catch (e) {
    if (e instanceof DamagedRecord) {
      debug(`layer memo: ${path}: damaged record (${e.message}); rebuilding`);
    } else if (!(e instanceof Deno.errors.NotFound)) {
      debug(`layer memo: ${path}: ${errorMessage(e)}`);
    }
    return undefined;
  }
}

/** A layer whose bytes are made (once) the first time it is opened. */
function lazyLayer(record: LayerRecord, make: () => Promise<BuiltLayer>): Layer {
  let made: Promise<BuiltLayer> | undefined;
  return {
    mediaType: record.mediaType,
    digest: record.digest,
    diffId: record.diffId,
    size: record.size,
    open: async () => {
      made ??= make();
      made.catch(() => (made = undefined));
      return (await made).open();
    },
  };
}
