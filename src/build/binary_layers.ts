/**
 * How the layer of a built binary is made. Fresh every time by default; KOCACHE
 * (kocache.ts) and the layer memo kept with the build outputs (layer_memo.ts) remember layers of
 * unchanged binaries across runs.
 */
import { buildLayer, prepareLayerFor } from "../layer/compress.ts";
import type { LayerEntry } from "../layer/entry.ts";
import type { Layer } from "../layer/layer.ts";
import { layerFromBuilt } from "../layer/compress.ts";

/** What a binary's layer is made of. */
export interface BinaryLayerRequest {
  readonly binaryPath: string;
  readonly entries: LayerEntry[];
  readonly mediaType: string;
  /** False when options (capabilities) forbid reusing a remembered layer. */
  readonly cacheable: boolean;
}

/** Makes binary layers. */
export interface BinaryLayers {
  /**
   * Gets ready for the layer of `output` while `go build` rewrites it (e.g. loads the
   * compression code, starts the layer workers for a large binary). Never rejects.
   */
  prepare(output: string, pkgDir: string): Promise<void>;
  /** The layer of a built binary. */
  make(request: BinaryLayerRequest): Promise<Layer>;
}

/** Makes the layer of `request` from its entries, remembering nothing. */
export async function freshBinaryLayer(request: BinaryLayerRequest): Promise<Layer> {
  const built = await buildLayer(request.entries, { mediaType: request.mediaType });
  return { ...layerFromBuilt(built), likelyNew: true };
}

/** Binary layers made fresh every time. */
export const FRESH_BINARY_LAYERS: BinaryLayers = {
  prepare: (output) => prepareLayerFor(output),
  make: freshBinaryLayer,
};
