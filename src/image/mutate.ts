/**
 * Pure image mutations, as ko applies them to a base: append layers (with their history),
 * edit the config, merge manifest annotations. Each returns a new Image; the base is untouched.
 */
import { cloneConfig, type ConfigFile, type History } from "../oci/config.ts";
import type { Layer } from "../layer/layer.ts";
import { type Image, makeImage } from "./image.ts";

/** A layer to append and the history entry that describes it. */
interface AddedLayer {
  readonly layer: Layer;
  readonly history: History;
}

/** What to change on top of a base image. */
interface ImageChanges {
  /** Layers appended after the base's, in order. */
  readonly layers?: readonly AddedLayer[];
  /** Edits the (already copied) config in place. */
  readonly editConfig?: (config: ConfigFile) => void;
  /** Merged into the base manifest's annotations; these win. */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Applies changes to a base image, giving a new image with fresh config and manifest bytes. */
export function mutateImage(base: Image, changes: ImageChanges): Image {
  const config = cloneConfig(base.config);
  const added = changes.layers ?? [];
  config.history = [...(config.history ?? []), ...added.map((a) => a.history)];
  config.rootfs = {
    type: config.rootfs.type || "layers",
    diff_ids: [...config.rootfs.diff_ids, ...added.map((a) => a.layer.diffId)],
  };
  changes.editConfig?.(config);

  const annotations = { ...(base.manifest.annotations ?? {}), ...(changes.annotations ?? {}) };
  const { subject: _dropped, config: baseConfigDescriptor, layers: _l, ...rest } = base.manifest;
  const layers = [...base.layers, ...added.map((a) => a.layer)];
  return makeImage(
    {
      ...rest,
      mediaType: base.mediaType,
      config: baseConfigDescriptor,
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    config,
    layers,
    base.manifest.layers,
  );
}
