/**
 * The Builder: turns a `ko://` import path into an Image (one platform) or an ImageIndex
 * (several), per ko-behaviour 5 and 6. It qualifies and checks import paths with `go list`,
 * picks the base, runs `go build` for each matching platform (bounded by `--jobs`), lays the
 * kodata and binary layers on the base, and assembles an index in the base's order.
 */
import { join } from "node:path";
import type { Descriptor, Platform } from "../oci/descriptor.ts";
import type { Digest } from "../oci/digest.ts";
import {
  assertPlatformMatches,
  formatPlatform,
  goEnvForPlatform,
  platformFromConfig,
  platformMatches,
  type PlatformSpec,
} from "../oci/platform.ts";
import { layerMediaTypeFor, MediaType } from "../oci/media_types.ts";
import { type BuildResult, type Image, type IndexChild, makeIndex } from "../image/image.ts";
import { scratchImage } from "../image/scratch.ts";
import type { LazyIndex } from "../image/remote.ts";
import { buildLayer } from "../layer/compress.ts";
import { layerFromBuilt } from "../layer/layer.ts";
import type { Semaphore } from "../util/concurrency.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { info } from "../util/log.ts";
import { formatRfc3339Utc } from "../config/epoch_env.ts";
import { appImage, appName, binaryEntries } from "./app_image.ts";
import type { BaseImageResolver, ResolvedBase } from "./base_image.ts";
import { type GoBuildInvocation, runGoBuild } from "./go_build.ts";
import { goList, type GoPackage, isLocalImport } from "./go_list.ts";
import { kodataEntries } from "./kodata.ts";

/** Builds import paths into images. */
export interface Builder {
  /** `./cmd/x` → `ko://example.com/m/cmd/x`; other paths just gain `ko://`. */
  qualify(importPath: string): Promise<string>;
  /** Throws a clear KoError unless `ref` is a `ko://` reference to a `package main`. */
  check(ref: string): Promise<void>;
  /** Builds a checked reference. */
  build(ref: string, signal?: AbortSignal): Promise<BuildResult>;
}

/** What the builder asks for each `go build` (decided by the configuration layer). */
export type InvocationFactory = (args: {
  importPath: string;
  platform: Platform;
  platformEnv: Record<string, string>;
  output: string;
}) => Promise<GoBuildInvocation>;

/**
 * Where `go list` runs for an import path and how the path reads there: the `builds[]` entry's
 * `dir` (with a local path rewritten relative to it), else the working directory.
 */
export type PackageLocator = (importPath: string) => Promise<{ dir: string; path: string }>;

/** Options of the Go builder. */
export interface GoBuilderOptions {
  /** Finds the directory to run `go list` in for an import path. */
  readonly locate: PackageLocator;
  readonly platforms: PlatformSpec;
  readonly bases: BaseImageResolver;
  readonly invocation: InvocationFactory;
  /** Bounds concurrent per-platform builds (`--jobs`). */
  readonly jobs: Semaphore;
  /** `--image-annotation` values. */
  readonly annotations?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly user?: string;
  /** `SOURCE_DATE_EPOCH` seconds. */
  readonly creationTime?: number;
  /** `KO_DATA_DATE_EPOCH` seconds. */
  readonly kodataCreationTime?: number;
  /** `KO_DATA_PATH_ALLOWED_ROOT`. */
  readonly kodataAllowedRoot?: string;
  /** Where build outputs go (a fresh temp dir per build when unset). */
  readonly tempRoot?: string;
  /** Hook that may attach an SBOM or record data after an image is built. */
  readonly afterImage?: (img: Image, info: BuiltImageInfo) => Promise<Image>;
}

/** Facts about one built image, for SBOM generation and caches. */
export interface BuiltImageInfo {
  readonly importPath: string;
  readonly platform: Platform;
  /** The go build output (valid only during the hook). */
  readonly binaryPath: string;
  readonly appName: string;
}

const BASE_NAME = "org.opencontainers.image.base.name";
const BASE_DIGEST = "org.opencontainers.image.base.digest";

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
    return `ko://${pkg.ImportPath}`;
  }

  async check(ref: string): Promise<void> {
    await this.#mainPackage(ref);
  }

  async build(ref: string, signal?: AbortSignal): Promise<BuildResult> {
    const pkg = await this.#mainPackage(ref);
    const importPath = ref.slice("ko://".length);
    const base = await this.o.bases.resolve(importPath, signal);
    if (base.kind === "scratch") return this.#buildScratch(importPath, pkg, signal);
    const baseAnnotations = { [BASE_NAME]: base.name };
    if (base.image.kind === "index") {
      return this.#buildFromIndex(importPath, pkg, base, base.image, signal);
    }
    const platform = platformFromConfig(base.image.config);
    assertPlatformMatches(this.o.platforms, platform);
    return this.#buildOne(importPath, pkg, base.image, platform, {
      ...this.o.annotations,
      ...baseAnnotations,
      [BASE_DIGEST]: base.digest,
    }, signal);
  }

  async #buildFromIndex(
    importPath: string,
    pkg: GoPackage,
    base: Extract<ResolvedBase, { kind: "remote" }>,
    index: LazyIndex,
    signal?: AbortSignal,
  ): Promise<BuildResult> {
    for (const d of index.index.manifests) {
      if (d.mediaType !== MediaType.OciManifest && d.mediaType !== MediaType.DockerManifest) {
        throw new KoError(
          `"${d.digest}" has unexpected mediaType "${d.mediaType}" in base for "${importPath}"`,
        );
      }
    }
    const matching = index.index.manifests.filter((d) =>
      platformMatches(this.o.platforms, d.platform)
    );
    if (matching.length === 0) throw new KoError("no matching platforms in base image index");
    const buildChild = async (d: Descriptor) => {
      const child = await index.loadChild(d, signal);
      return this.#buildOne(
        importPath,
        pkg,
        child,
        d.platform ?? platformFromConfig(child.config),
        {
          ...this.o.annotations,
          [BASE_NAME]: base.name,
          [BASE_DIGEST]: d.digest,
        },
        signal,
      );
    };
    if (matching.length === 1) return buildChild(matching[0]!);
    const images = await Promise.all(matching.map(buildChild));
    const children: IndexChild[] = matching.map((d, i) => ({
      image: images[i]!,
      descriptor: childDescriptor(d, images[i]!),
    }));
    const annotations = {
      ...this.o.annotations,
      [BASE_NAME]: base.name,
      [BASE_DIGEST]: base.digest,
    };
    return makeIndex({
      schemaVersion: 2,
      mediaType: index.mediaType,
      manifests: children.map((c) => c.descriptor),
      annotations,
    }, children);
  }

  async #buildScratch(
    importPath: string,
    pkg: GoPackage,
    signal?: AbortSignal,
  ): Promise<BuildResult> {
    const spec = this.o.platforms;
    if (spec.all) {
      throw new KoError(
        `--platform=all needs a base image index to list platforms; the scratch base has none: name the platforms (e.g. --platform=linux/amd64,linux/arm64)`,
      );
    }
    const platforms = spec.platforms.map((p) => {
      if (!p.os || !p.architecture) {
        throw new KoError(
          `platform "${formatPlatform(p)}" is incomplete: the scratch base needs os/arch platforms`,
        );
      }
      return p;
    });
    const build = (p: Platform) => {
      const base = scratchImage(p);
      return this.#buildOne(importPath, pkg, base, p, {
        ...this.o.annotations,
        [BASE_NAME]: "scratch",
        [BASE_DIGEST]: base.digest,
      }, signal);
    };
    if (platforms.length === 1) return build(platforms[0]!);
    const images = await Promise.all(platforms.map(build));
    const children = images.map((img, i) => ({
      image: img,
      descriptor: childDescriptor(
        { mediaType: img.mediaType, size: 0, digest: img.digest, platform: platforms[i]! },
        img,
      ),
    }));
    return makeIndex({
      schemaVersion: 2,
      mediaType: MediaType.OciIndex,
      manifests: children.map((c) => c.descriptor),
      annotations: { ...this.o.annotations, [BASE_NAME]: "scratch" },
    }, children);
  }

  /** go build for one platform, then the two layers on the base (under the jobs semaphore). */
  #buildOne(
    importPath: string,
    pkg: GoPackage,
    base: Image,
    platform: Platform,
    annotations: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<Image> {
    return this.o.jobs.run(async () => {
      const mediaType = layerMediaTypeFor(base.mediaType);
      const tmp = await Deno.makeTempDir({
        prefix: "ko",
        ...(this.o.tempRoot ? { dir: this.o.tempRoot } : {}),
      });
      try {
        const output = join(tmp, "out");
        const invocation = await this.o.invocation({
          importPath,
          platform,
          platformEnv: goEnvForPlatform(platform),
          output,
        });
        info(`Building ${importPath} for ${formatPlatform(platform)}`);
        const kodataLayer = kodataEntries(pkg.Dir, {
          os: platform.os,
          mtime: this.o.kodataCreationTime ?? 0,
          ...(this.o.kodataAllowedRoot ? { allowedRootOverride: this.o.kodataAllowedRoot } : {}),
        }).then((entries) => buildLayer(entries, { mediaType }));
        kodataLayer.catch(() => {});
        await runGoBuild(invocation, signal);
        const name = appName(importPath);
        const [kodata, binary] = await Promise.all([
          kodataLayer.catch((e) => {
            throw new KoError(`tarring kodata: ${errorMessage(e)}`, { cause: e });
          }),
          buildLayer(binaryEntries(name, output, platform.os), { mediaType }),
        ]);
        const img = appImage(base, {
          kodata: layerFromBuilt(kodata),
          binary: layerFromBuilt(binary),
        }, {
          importPath,
          os: platform.os,
          ...(this.o.kodataCreationTime !== undefined
            ? { kodataCreated: formatRfc3339Utc(this.o.kodataCreationTime) }
            : {}),
          ...(this.o.creationTime !== undefined
            ? { created: formatRfc3339Utc(this.o.creationTime) }
            : {}),
          ...(this.o.user ? { user: this.o.user } : {}),
          ...(this.o.labels ? { labels: this.o.labels } : {}),
          annotations,
        });
        return this.o.afterImage
          ? await this.o.afterImage(img, {
            importPath,
            platform,
            binaryPath: output,
            appName: name,
          })
          : img;
      } finally {
        await Deno.remove(tmp, { recursive: true }).catch(() => {});
      }
    }, signal);
  }

  /** go list for a path, in the directory its build config says. */
  async #list(path: string): Promise<GoPackage[]> {
    const where = await this.o.locate(path);
    return goList(where.dir, [where.path]);
  }

  /** The package of a `ko://` reference, checked to be `package main`. */
  async #mainPackage(ref: string): Promise<GoPackage> {
    if (!ref.startsWith("ko://")) {
      throw new KoError(`importpath "${ref}" does not start with ko://`);
    }
    const path = ref.slice("ko://".length);
    const pkgs = await this.#list(path);
    if (pkgs.length !== 1) {
      throw new KoError(
        `importpath "${path}" is not supported: found ${pkgs.length} packages, expected 1`,
      );
    }
    const pkg = pkgs[0]!;
    if (pkg.Error) {
      throw new KoError(`importpath "${path}" is not supported: ${pkg.Error.Err.trim()}`);
    }
    if (pkg.Name !== "main") {
      throw new KoError(
        `importpath "${path}" is not supported: importpath is not \`package main\``,
      );
    }
    return pkg;
  }
}

/** The index entry for a built child: base descriptor's fields, the child's digest and size. */
function childDescriptor(base: Descriptor, img: Image): Descriptor {
  return {
    mediaType: base.mediaType,
    size: img.manifestBytes.length,
    digest: img.digest as Digest,
    ...(base.urls ? { urls: base.urls } : {}),
    ...(base.annotations ? { annotations: base.annotations } : {}),
    ...(base.platform ? { platform: base.platform } : {}),
    artifactType: img.manifest.config.mediaType,
  };
}
