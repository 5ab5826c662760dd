/**
 * `KOCACHE` (ko-behaviour 10.1): when set, builds keep their Go binaries at
 * `$KOCACHE/bin/<importpath>/<platform>/out` (so `go build` finds them up to date), reuse the
 * compressed binary layer of an unchanged binary (src/build/layer_cache.ts), and read base
 * manifests and configs from `$KOCACHE/img` (src/image/base_cache.ts).
 *
 * Concurrent ko processes may share one KOCACHE: a platform build holds an exclusive lock on
 * its `bin/<importpath>/<platform>` directory from `go build` until the image is made
 * (src/build/build_output.ts), so one process never reads a binary another is rewriting; every
 * cache file is written under a unique temporary name and renamed into place.
 */
import { dirname, join, resolve, sep } from "../util/posix_path.ts";
import { buildLayer } from "../layer/compress.ts";
import { CachedRegistryReader, type HeadManifest } from "../image/base_cache.ts";
import type { RegistryReader } from "../image/remote.ts";
import { describeFsError } from "../util/atomic_file.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { warn } from "../util/log.ts";
import { binaryIdentity, LayerCacheDir, layerCacheKey } from "./layer_cache.ts";
import { type BinaryLayerRequest, type BinaryLayers, freshBinaryLayer } from "./binary_layers.ts";
import { OutputDirs } from "./build_output.ts";
import type { Layer } from "../layer/layer.ts";
import type { Digest } from "../oci/digest.ts";

/** An open KOCACHE directory. */
export class KoCache implements BinaryLayers {
  private constructor(readonly root: string) {}

  /**
   * The cache `KOCACHE` names (relative to `cwd`), created if missing; undefined when unset
   * or empty. Throws ko's errors when it is not a directory or cannot be examined.
   */
  static async open(
    env: Readonly<Record<string, string | undefined>>,
    cwd: string,
  ): Promise<KoCache | undefined> {
    const value = env.KOCACHE;
    if (!value) return undefined;
    const root = resolve(cwd, value);
    try {
      const st = await Deno.stat(root);
      if (!st.isDirectory) {
        throw new KoError(`KOCACHE should be a directory, ${value} is not a directory`);
      }
    } catch (e) {
      if (e instanceof KoError) throw e;
      if (!(e instanceof Deno.errors.NotFound)) {
        throw new KoError(`could not stat KOCACHE: ${root}: ${describeFsError(e)}`, { cause: e });
      }
      try {
        await Deno.mkdir(root, { recursive: true });
      } catch (e) {
        throw new KoError(`could not create KOCACHE ${root}: ${describeFsError(e)}`, { cause: e });
      }
    }
    return new KoCache(root);
  }

  /** The directory of base manifests and configs. */
  get imgDir(): string {
    return join(this.root, "img");
  }

  /** Where builds keep their binaries: `$KOCACHE/bin`, failing when it cannot be made. */
  outputs(): OutputDirs {
    return new OutputDirs(join(this.root, "bin"), true);
  }

  /** Nothing to prepare: a cached layer needs no compression code. */
  prepare(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Makes a binary layer through the cache (or directly when the options forbid caching).
   * Entries live next to the binary (`bin/<importpath>/<platform>/layers`), under the lock
   * the platform build holds on that directory.
   */
  async make(a: BinaryLayerRequest): Promise<Layer> {
    if (!a.cacheable) return await freshBinaryLayer(a);
    const outDir = dirname(a.binaryPath);
    const bin = join(this.root, "bin");
    const dir = outDir.startsWith(bin + sep) ? join(outDir, "layers") : join(this.root, "layers");
    const cache = new LayerCacheDir(dir);
    const key = layerCacheKey(await binaryIdentity(a.binaryPath), a.entries, a.mediaType);
    const rebuild = async (
      outPath: string,
      verify: (built: { digest: Digest; size: number }) => void,
    ) => {
      const now = layerCacheKey(await binaryIdentity(a.binaryPath), a.entries, a.mediaType);
      if (now !== key) return undefined;
      return await buildLayer(a.entries, { mediaType: a.mediaType, outPath, verify });
    };
    const hit = await cache.get(key, rebuild);
    if (hit) return hit;
    try {
      return { ...await cache.put(key, a.entries, a.mediaType), likelyNew: true };
    } catch (e) {
      // A cache that cannot be written must not fail the build: make the layer without it.
      warn(`KOCACHE: cannot store the layer of ${a.binaryPath}: ${errorMessage(e)}`);
      return await freshBinaryLayer(a);
    }
  }

  /** Wraps a registry reader with the on-disk manifest and config cache. */
  baseReader(inner: RegistryReader, head: HeadManifest): RegistryReader {
    return new CachedRegistryReader(this.imgDir, inner, head);
  }
}
