/**
 * The ko.local and kind.local publisher: pick the one image a local store can hold, name it
 * `<name>:<manifest digest hex>`, load it, then add every `--tags` tag, with ko's progress
 * lines. The store itself (the Docker daemon, daemon_store.ts; kind's nodes, kind_store.ts)
 * supplies the loading and tagging.
 */
import { digestHex } from "../oci/digest.ts";
import { parseRepository } from "../oci/reference.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import type { BuildResult, Image } from "../image/image.ts";
import { loadableImage, type WantedPlatform } from "./local_platform.ts";
import type { Namer } from "./naming.ts";
import { type Publisher, publishName, type PublishTarget } from "./publisher.ts";
import type { BuildEvent } from "../build/builder.ts";
import type { Reporter } from "../progress/reporter.ts";

/** What both local publishers are configured with. */
export interface LocalPublisherOptions {
  /** The repository images are named under (`ko.local`, `kind.local…`, or `KO_DOCKER_REPO`). */
  readonly baseRepo: string;
  readonly namer: Namer;
  readonly tags: readonly string[];
  /** GOOS/GOARCH/GOARM, for choosing an index child. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A place images are loaded into and tagged in. */
export interface LocalStore {
  /** The platform to load from a multi-platform result, and why. */
  wantedPlatform(signal?: AbortSignal): Promise<WantedPlatform>;
  /** Runs once the image is chosen, before anything is loaded (e.g. finding kind's nodes). */
  prepare?(signal?: AbortSignal): Promise<void>;
  /** Loads `img` under `digestTag`. */
  load(img: Image, digestTag: string, signal?: AbortSignal): Promise<void>;
  /** Points `tag` (a full `<name>:<tag>`) at the image loaded as `digestTag`. */
  tag(digestTag: string, tag: string, signal?: AbortSignal): Promise<void>;
  /** Lets go of its connections when the run is over. */
  close?(): void;
}

/**
 * Publishes into a local store. An index's children are not loaded on their own: the result's
 * one platform is. Nothing is undone on failure (loaded images stay, as with ko).
 */
export class LocalStorePublisher implements Publisher {
  constructor(private readonly o: LocalPublisherOptions, private readonly store: LocalStore) {}

  publish(event: BuildEvent, target: PublishTarget, signal?: AbortSignal): Promise<string> {
    if (event.kind === "child") return Promise.resolve("");
    return publishToLocalStore(
      this.o,
      this.store,
      event.result,
      target.importPath,
      target.report,
      signal,
    );
  }

  close(): Promise<void> {
    this.store.close?.();
    return Promise.resolve();
  }

  abort(): Promise<void> {
    return this.close();
  }
}

/** Publishes a result into a local store; returns the `<name>:<digest hex>` reference. */
export async function publishToLocalStore(
  o: LocalPublisherOptions,
  store: LocalStore,
  result: BuildResult,
  importPath: string,
  report: Reporter,
  signal?: AbortSignal,
): Promise<string> {
  const ip = publishName(importPath);
  const img = await loadableImage(result, ip, () => store.wantedPlatform(signal));
  await store.prepare?.(signal);
  const name = o.namer(o.baseRepo, ip);
  // As ko (name.NewTag), a name the daemon or containerd would refuse fails here, with the
  // name, rather than as the store's own (podman: many-line) load error.
  try {
    parseRepository(name);
  } catch (e) {
    throw new KoError(`failed to parse "${name}" as repository: ${errorMessage(e)}`);
  }
  const digestTag = `${name}:${digestHex(img.digest)}`;
  report.phase("uploading");
  report.info(`Loading ${digestTag}`);
  await store.load(img, digestTag, signal);
  report.info(`Loaded ${digestTag}`);
  for (const tag of o.tags) {
    report.info(`Adding tag ${tag}`);
    await store.tag(digestTag, `${name}:${tag}`, signal);
    report.info(`Added tag ${tag}`);
  }
  report.phase("done");
  return digestTag;
}
