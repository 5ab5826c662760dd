/**
 * Which base image an import path builds on (ko-behaviour 5.2) and fetching it: the
 * `baseImageOverrides` entry for the lowercased import path, else `defaultBaseImage`; the
 * built-in `scratch`; `ko.local/…` from the local Docker daemon; otherwise a registry read
 * (manifest and config only), memoised per reference for the life of the process.
 */
import { type Digest, isDigest } from "../oci/digest.ts";
import {
  parseReference,
  type Reference,
  referenceIdentifier,
  referenceName,
} from "../oci/reference.ts";
import { type BaseImage, fetchRemote, type RegistryReader } from "../image/remote.ts";
import type { Image } from "../image/image.ts";
import { isScratch } from "../image/scratch.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import type { Reporter } from "../progress/reporter.ts";
import { DEFAULT_BASE_IMAGE } from "../config/ko_config.ts";

/** A resolved base: where it came from and what it is. */
export type ResolvedBase =
  | { readonly kind: "scratch"; readonly name: string }
  | {
    readonly kind: "remote";
    readonly ref: Reference;
    /** ggcr's `Name()` of the reference: the `base.name` annotation. */
    readonly name: string;
    readonly digest: Digest;
    readonly image: BaseImage;
  };

/** Settings that choose the base. */
interface BaseImageSettings {
  readonly defaultBaseImage?: string;
  /** Lowercased import path → reference. */
  readonly baseImageOverrides?: Readonly<Record<string, string>>;
  readonly insecure?: boolean;
  /** Reads a `ko.local/…` base from the local Docker daemon. */
  readonly daemon?: (ref: Reference, signal?: AbortSignal) => Promise<Image>;
}

/** Resolves and fetches base images; one instance per process. */
export class BaseImageResolver {
  readonly #cache = new Map<string, Promise<ResolvedBase>>();

  constructor(
    private readonly reader: RegistryReader,
    private readonly settings: BaseImageSettings,
  ) {}

  /** The base reference string configured for an import path (without `ko://`). */
  baseFor(importPath: string): string {
    const override = this.settings.baseImageOverrides?.[importPath.toLowerCase()];
    return override || this.settings.defaultBaseImage || DEFAULT_BASE_IMAGE;
  }

  /**
   * Starts fetching the default base now, so its registry round trips overlap `go list`
   * instead of following it. Only when no import path has an override (then every build uses
   * it), and only for registry bases; a failure surfaces when a build asks for the base.
   */
  prefetchDefault(signal?: AbortSignal): void {
    if (Object.keys(this.settings.baseImageOverrides ?? {}).length > 0) return;
    const refString = this.baseFor("");
    if (isScratch(refString) || /^ko\.local(\/|:|@|$)/.test(refString)) return;
    if (this.#cache.has(refString)) return;
    const p = this.#fetch(refString, signal);
    p.catch(() => this.#cache.delete(refString));
    this.#cache.set(refString, p);
  }

  /** Fetches (once) the base of an import path and logs which one is used. */
  async resolve(
    importPath: string,
    report: Reporter,
    signal?: AbortSignal,
  ): Promise<ResolvedBase> {
    const refString = this.baseFor(importPath);
    let p = this.#cache.get(refString);
    if (!p) {
      p = this.#fetch(refString, signal);
      p.catch(() => this.#cache.delete(refString));
      this.#cache.set(refString, p);
    }
    const base = await p;
    if (base.kind === "scratch") {
      report.info(`Using base scratch (built-in empty image) for ${importPath}`);
    } else if (base.ref.digest) report.info(`Using base ${base.ref.original} for ${importPath}`);
    else report.info(`Using base ${base.ref.original}@${base.digest} for ${importPath}`);
    return base;
  }

  async #fetch(refString: string, signal?: AbortSignal): Promise<ResolvedBase> {
    if (isScratch(refString)) return { kind: "scratch", name: "scratch" };
    let ref: Reference;
    try {
      ref = parseReference(refString, { insecure: this.settings.insecure ?? false });
    } catch (e) {
      throw new KoError(`parsing base image (${JSON.stringify(refString)}): ${errorMessage(e)}`);
    }
    if (ref.registry === "ko.local") {
      if (!this.settings.daemon) {
        throw new KoError(
          `base image ${refString}: reading bases from the local Docker daemon (ko.local) is not supported here`,
        );
      }
      let image: Image;
      try {
        image = await this.settings.daemon(ref, signal);
      } catch (e) {
        throw new KoError(`fetching base image: ${errorMessage(e)}`, { cause: e });
      }
      return { kind: "remote", ref, name: referenceName(ref), digest: image.digest, image };
    }
    let image: BaseImage;
    try {
      image = await fetchRemote(this.reader, ref, referenceIdentifier(ref), signal);
    } catch (e) {
      throw new KoError(`fetching base image: pulling ${refString}: ${errorMessage(e)}`, {
        cause: e,
      });
    }
    if (ref.digest && isDigest(ref.digest) && image.digest !== ref.digest) {
      throw new KoError(`base image ${refString}: registry returned ${image.digest}`);
    }
    return { kind: "remote", ref, name: referenceName(ref), digest: image.digest, image };
  }
}
