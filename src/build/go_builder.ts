/**
 * The Builder: turns a `ko://` import path into an Image (one platform) or an ImageIndex
 * (several), per ko-behaviour 5 and 6. It qualifies and checks import paths with `go list`,
 * picks the base, builds every matching platform (src/build/platform_build.ts, bounded by
 * `--jobs`), and assembles an index in the base's order.
 *
 * Deliberate difference from ko: an index built on an OCI index base carries the base index's
 * registry digest in `org.opencontainers.image.base.digest`. ko writes the digest of the base
 * index after adding its own annotations to it (a value that names nothing in any registry);
 * for Docker manifest lists ko writes the real digest too, so both kinds now agree.
 */
import { BASE_DIGEST_ANNOTATION, BASE_NAME_ANNOTATION } from "../oci/annotations.ts";
import type { Descriptor, Platform } from "../oci/descriptor.ts";
import {
  assertPlatformMatches,
  formatPlatform,
  formatPlatformSpec,
  platformFromConfig,
  platformMatches,
  type PlatformSpec,
} from "../oci/platform.ts";
import { isImageMediaType, MediaType } from "../oci/media_types.ts";
import { type Image, type IndexChild, makeIndex } from "../image/image.ts";
import { scratchImage } from "../image/scratch.ts";
import type { LazyIndex } from "../image/remote.ts";
import type { BuildSelector } from "../config/build_selection.ts";
import type { GoLister, GoPackage } from "../go/go_lister.ts";
import { isLocalImport } from "../go/import_path.ts";
import { asCompleted } from "../util/concurrency.ts";
import type { Reporter } from "../progress/reporter.ts";
import { isAbortError, KoError, wrapError } from "../util/errors.ts";
import { dirname, join } from "../util/posix_path.ts";
import type { BaseImageResolver } from "./base_image.ts";
import type { Builder, BuildEvent, BuildInputs } from "./builder.ts";
import { packageInputs } from "../go/package_inputs.ts";
import { buildForPlatform, type PlatformBuildSettings } from "./platform_build.ts";

/** Options of the Go builder. */
interface GoBuilderOptions extends PlatformBuildSettings {
  /** Where each import path is listed and built. */
  readonly selector: Pick<BuildSelector, "locate" | "plan">;
  /** The run's `go list`. */
  readonly lister: GoLister;
  readonly platforms: PlatformSpec;
  readonly bases: BaseImageResolver;
}

/** The default builder: `go list` + `go build` on the local toolchain. */
export class GoBuilder implements Builder {
  constructor(private readonly o: GoBuilderOptions) {}

  async qualify(importPath: string): Promise<string> {
    if (importPath.startsWith("ko://")) return importPath;
    if (!isLocalImport(importPath)) return `ko://${importPath}`;
    const pkgs = await this.#list(importPath);
    if (pkgs.length !== 1) {
      throw new KoError(
        `qualifying local import ${importPath}: found ${pkgs.length} local packages, expected 1`,
      );
    }
    const pkg = pkgs[0]!;
    if (pkg.Error && !pkg.ImportPath) {
      throw new KoError(`qualifying local import ${importPath}: ${pkg.Error.Err}`);
    }
    if (pkg.ImportPath === "command-line-arguments") {
      // go list makes a pseudo-package of .go files, which go build cannot build by name.
      const dir = importPath.endsWith(".go") ? dirname(importPath) : "";
      throw new KoError(
        `qualifying local import ${importPath}: it names Go files, not a package: pass the ` +
          `package's directory${dir ? ` (${JSON.stringify(dir)})` : ""}`,
      );
    }
    return `ko://${pkg.ImportPath}`;
  }

  async check(ref: string): Promise<void> {
    await this.#mainPackage(ref);
    // Checked references are built next: their go builds may run as one.
    this.o.runner.announce(ref.slice("ko://".length));
  }

  async *build(ref: string, report: Reporter, signal?: AbortSignal): AsyncGenerator<BuildEvent> {
    const pkg = await this.#mainPackage(ref);
    const importPath = ref.slice("ko://".length);
    report.phase("base");
    const base = await this.o.bases.resolve(importPath, report, signal);
    // Every platform at once; their go builds are bounded by --jobs (platform_build.ts). In a
    // multi-platform build each reports as its own platform.
    const one = (
      img: Image,
      platform: Platform,
      baseDigest: string,
      sig = signal,
      r = report,
    ) =>
      buildForPlatform(
        this.o,
        importPath,
        pkg.Dir,
        img,
        platform,
        {
          ...this.o.annotations,
          [BASE_NAME_ANNOTATION]: base.name,
          [BASE_DIGEST_ANNOTATION]: baseDigest,
        },
        r,
        sig,
      );

    if (base.kind === "scratch") {
      const platforms = scratchPlatforms(this.o.platforms);
      const images = platforms.map((p) => scratchImage(p));
      yield* this.#assemble(
        importPath,
        images.map((img, i) => ({
          descriptor: {
            mediaType: img.mediaType,
            size: 0,
            digest: img.digest,
            platform: platforms[i]!,
          },
          build: (sig, r) => one(img, platforms[i]!, img.digest, sig, r),
        })),
        MediaType.OciIndex,
        { [BASE_NAME_ANNOTATION]: "scratch" },
        report,
        signal,
      );
      return;
    }
    if (base.image.kind === "image") {
      const platform = platformFromConfig(base.image.config);
      assertPlatformMatches(this.o.platforms, platform, base.image.config.variant);
      yield { kind: "result", result: await one(base.image, platform, base.digest) };
      return;
    }
    const index = base.image;
    const matching = selectChildren(index, this.o.platforms, importPath);
    yield* this.#assemble(
      importPath,
      matching.map((d) => ({
        descriptor: d,
        build: async (sig, r) => {
          const child = await index.loadChild(d, sig);
          return one(child, d.platform ?? platformFromConfig(child.config), d.digest, sig, r);
        },
      })),
      index.mediaType,
      { [BASE_NAME_ANNOTATION]: base.name, [BASE_DIGEST_ANNOTATION]: base.digest },
      report,
      signal,
    );
  }

  /**
   * One image when one platform matched; otherwise every child built concurrently, each
   * yielded as soon as it is built, and then an index in the base's order (whatever order the
   * builds finish in). The first child to fail stops the others, and is thrown once they have
   * all stopped (so no go build of theirs outlives ko, nor leaves its files behind).
   */
  async *#assemble(
    importPath: string,
    children: Array<
      {
        descriptor: Descriptor;
        build: (sig: AbortSignal | undefined, r: Reporter) => Promise<Image>;
      }
    >,
    mediaType: string,
    baseAnnotations: Record<string, string>,
    report: Reporter,
    signal?: AbortSignal,
  ): AsyncGenerator<BuildEvent> {
    if (children.length === 1) {
      yield { kind: "result", result: await children[0]!.build(signal, report) };
      return;
    }
    report.phase("waiting"); // for its platforms, each reporting on its own
    const images = new Array<Image>(children.length);
    const tasks = children.map((c) => async (stop: AbortSignal) => {
      const p = c.descriptor.platform;
      try {
        return await c.build(stop, report.forPlatform(p ? formatPlatform(p) : c.descriptor.digest));
      } catch (e) {
        // Several platforms build at once: say which one failed (a go build error for
        // windows/amd64 alone rarely names it).
        throw e instanceof KoError && !isAbortError(e)
          ? wrapError(`for ${p ? formatPlatform(p) : c.descriptor.digest}`, e)
          : e;
      }
    });
    for await (const { index, value } of asCompleted(tasks, signal)) {
      images[index] = value;
      yield { kind: "child", image: value };
    }
    const built: IndexChild[] = children.map((c, i) => ({
      image: images[i]!,
      descriptor: childDescriptor(c.descriptor, images[i]!),
    }));
    const index = makeIndex({
      schemaVersion: 2,
      mediaType,
      manifests: built.map((c) => c.descriptor),
      annotations: { ...this.o.annotations, ...baseAnnotations },
    }, built);
    yield {
      kind: "result",
      result: this.o.sbom ? await this.o.sbom.index(index, importPath) : index,
    };
  }

  async inputs(ref: string): Promise<BuildInputs> {
    const pkg = await this.#mainPackage(ref);
    const where = await this.o.selector.locate(ref.slice("ko://".length));
    const found = await packageInputs(where.dir, where.path);
    return { dirs: found.dirs, trees: [join(pkg.Dir, "kodata")], files: found.moduleFiles };
  }

  /** go list for a path, in the directory its build config says. */
  async #list(path: string): Promise<GoPackage[]> {
    const where = await this.o.selector.locate(path);
    return this.o.lister.list(where.dir, [where.path]);
  }
  /** The package of a `ko://` reference, checked to be `package main`. */
  async #mainPackage(ref: string): Promise<GoPackage> {
    if (!ref.startsWith("ko://")) {
      throw new KoError(`importpath "${ref}" does not start with ko://`);
    }
    const path = ref.slice("ko://".length);
    const pkgs = await this.#list(path);
    if (pkgs.length !== 1) {
      throw new KoError(`found ${pkgs.length} packages for "${path}", expected 1`);
    }
    const pkg = pkgs[0]!;
    if (pkg.Error) throw new KoError(pkg.Error.Err.trim().replace(/\s*\n\s*/g, " "));
    if (pkg.Name !== "main") throw new KoError("importpath is not `package main`");
    return pkg;
  }
}

/** The children of a base index that match the platforms, in base order (ko-behaviour 6). */
function selectChildren(
  index: LazyIndex,
  platforms: PlatformSpec,
  importPath: string,
): Descriptor[] {
  for (const d of index.index.manifests) {
    if (!isImageMediaType(d.mediaType)) {
      throw new KoError(
        `"${d.digest}" has unexpected mediaType "${d.mediaType}" in base for "${importPath}"`,
      );
    }
  }
  const matching = index.index.manifests.filter((d) => platformMatches(platforms, d.platform));
  if (matching.length === 0) {
    const available = index.index.manifests.map((d) =>
      d.platform ? formatPlatform(d.platform) : "?"
    );
    throw new KoError(
      `no matching platforms in base image index (it has ${available.join(", ") || "none"}) ` +
        `for desired platforms ${formatPlatformSpec(platforms)}`,
    );
  }
  return matching;
}

/**
 * The platforms a scratch build makes: each named one, once (the empty base has no list of its
 * own).
 */
function scratchPlatforms(spec: PlatformSpec): Platform[] {
  if (spec.all) {
    throw new KoError(
      "--platform=all needs a base image index to list platforms; the scratch base has none: name the platforms (e.g. --platform=linux/amd64,linux/arm64)",
    );
  }
  const byName = new Map<string, Platform>(); // a platform named twice is built once
  for (const p of spec.platforms) {
    if (!p.os || !p.architecture) {
      throw new KoError(
        `platform "${formatPlatform(p)}" is incomplete: the scratch base needs os/arch platforms`,
      );
    }
    if (!byName.has(formatPlatform(p))) byName.set(formatPlatform(p), p);
  }
  return [...byName.values()];
}

/** The index entry for a built child: the base descriptor's fields, the child's digest and size. */
function childDescriptor(base: Descriptor, img: Image): Descriptor {
  return {
    mediaType: base.mediaType,
    size: img.manifestBytes.length,
    digest: img.digest,
    ...(base.urls ? { urls: base.urls } : {}),
    ...(base.annotations ? { annotations: base.annotations } : {}),
    ...(base.platform ? { platform: base.platform } : {}),
    artifactType: img.manifest.config.mediaType,
  };
}
