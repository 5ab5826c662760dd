/**
 * What every build-ish verb (build, resolve, apply, create, run) sets up the same way: the
 * configuration, one registry client, one memoised Builder, one Publisher. Verbs are thin
 * compositions over this.
 */
import type { BuildOptions } from "./options.ts";
import type { PublishOptions } from "./options.ts";
import type { VerbContext } from "./context.ts";
import { BaseImageResolver } from "../build/base_image.ts";
import { type Builder, GoBuilder, type GoBuilderOptions } from "../build/go_builder.ts";
import { LayerMemo } from "../build/layer_memo.ts";
import { reserveSlots } from "../build/go_build_prefetch.ts";
import { prepareLayerFor } from "../layer/compress.ts";
import { sbomHooks } from "../build/sbom_attach.ts";
import { KoCache } from "../build/kocache.ts";
import { DelveBuilder } from "../build/delve.ts";
import { join } from "../util/posix_path.ts";
import { sbomPeripherals } from "../publish/sbom_push.ts";
import { parseRepository } from "../oci/reference.ts";
import type { Platform } from "../oci/descriptor.ts";
import { defaultOutputRoot, usableOutputDir } from "../build/build_output.ts";
import { resolvePlatformSpec } from "../oci/platform.ts";
import type { RegistryReader } from "../image/remote.ts";
import { RegistryClient } from "../registry/client.ts";
import { defaultKeychain } from "../registry/credentials.ts";
import { makePublisher } from "../publish/make_publisher.ts";
import { daemonBaseReader, localPublisherHooks } from "../publish/local_publishers.ts";
import type { Publisher } from "../publish/publisher.ts";
import { closeLayerPool } from "../layer/worker_pool.ts";
import { Semaphore } from "../util/concurrency.ts";
import { VERSION } from "../version.ts";
import { CachingBuilder } from "./caching_builder.ts";
import { type KoSettings, loadSettings } from "./settings.ts";

/** A builder, a publisher and what they share, for one command run. */
export class Session {
  private constructor(
    readonly ctx: VerbContext,
    readonly settings: KoSettings,
    readonly builder: Builder,
    readonly publisher: Publisher,
    private readonly release: () => void,
  ) {}

  /** Sets everything up from the context and the validated options. */
  static async create(ctx: VerbContext, options: BuildOptions & PublishOptions): Promise<Session> {
    const kocache = await KoCache.open(ctx.env, ctx.cwd);
    const settings = await loadSettings(ctx, options);
    let client: RegistryClient | undefined;
    const getClient = () =>
      client ??= new RegistryClient({
        userAgent: `ko/${VERSION}`,
        // Credentials from the verb's environment (DOCKER_CONFIG, HOME…), not the process's.
        keychain: defaultKeychain({ env: (name) => ctx.env[name] }),
        insecureRegistries: options.insecureRegistry ? insecureRegistries(ctx.env) : [],
      });
    const platforms = resolvePlatformSpec({
      flag: options.platforms,
      config: settings.config.defaultPlatforms,
      env: ctx.env,
    });
    const reader = { // the client is only created when a remote base is actually read
      getManifest: (r, ref, s) => getClient().getManifest(r, ref, s),
      getBlob: (r, d, s) => getClient().getBlob(r, d, s),
      getBlobBytes: (r, d, s) => getClient().getBlobBytes(r, d, s),
    } satisfies RegistryReader;
    const bases = new BaseImageResolver(
      kocache
        ? kocache.baseReader(reader, (r, ref, s) => getClient().headManifest(r, ref, s))
        : reader,
      {
        defaultBaseImage: settings.config.defaultBaseImage,
        baseImageOverrides: settings.config.baseImageOverrides,
        insecure: options.insecureRegistry,
        daemon: daemonBaseReader(ctx.env),
      },
    );
    const jobs = new Semaphore(options.jobs);
    reserveSlots(jobs); // go builds started at start-up count against --jobs
    const later: { publisher?: Publisher } = {}; // made below; told about children as built
    const builder = new CachingBuilder(
      new GoBuilder({
        afterChild: (child, importPath) =>
          later.publisher?.prepare?.(child, importPath, ctx.signal),
        locate: settings.locate,
        platforms,
        bases,
        invocation: settings.invocation,
        outputDir: keptOutputDir(ctx.env),
        // KOCACHE: $KOCACHE/bin outputs, cached binary layers.
        ...(kocache ? kocache.buildHooks() : binaryLayerHooks(ctx.env)),
        jobs,
        ...sbomHooks({ format: options.sbom, sbomDir: options.sbomDir, goPath: settings.goPath }),
        annotations: options.imageAnnotations,
        labels: options.imageLabels,
        ...(options.imageUser ? { user: options.imageUser } : {}),
        ...(settings.creationTime !== undefined ? { creationTime: settings.creationTime } : {}),
        ...(settings.kodataCreationTime !== undefined
          ? { kodataCreationTime: settings.kodataCreationTime }
          : {}),
        ...(ctx.env.KO_DATA_PATH_ALLOWED_ROOT
          ? { kodataAllowedRoot: ctx.env.KO_DATA_PATH_ALLOWED_ROOT }
          : {}),
        ...(options.debug ? { delve: delveBuilder(ctx.env, settings.goPath, kocache) } : {}),
      }),
    );
    const publisher = later.publisher = await makePublisher({
      ...options,
      dockerRepo: ctx.env.KO_DOCKER_REPO,
      jobs: options.jobs,
      client: getClient,
      ...localPublisherHooks(ctx.env),
      peripherals: sbomPeripherals({
        client: getClient,
        ...(ctx.env.COSIGN_REPOSITORY ? { cosignRepository: ctx.env.COSIGN_REPOSITORY } : {}),
        insecure: options.insecureRegistry,
      }),
    });
    // Its round trips overlap go list (which `ko build` has usually started already, see
    // go_list_prefetch.ts).
    bases.prefetchDefault(ctx.signal);
    return new Session(ctx, settings, builder, publisher, () => client?.close());
  }

  /** Releases connections and workers. */
  close(): void {
    this.release();
    closeLayerPool();
  }
}

/** The registry `--insecure-registry` applies to: the one `KO_DOCKER_REPO` names. */
function insecureRegistries(env: Readonly<Record<string, string>>): string[] {
  const repo = env.KO_DOCKER_REPO;
  if (!repo) return [];
  try {
    return [parseRepository(repo).registry];
  } catch {
    return [];
  }
}

/**
 * Without KOCACHE: binary layers' digests remembered next to the kept outputs (layer_memo.ts),
 * and the compression code made ready while `go build` runs when it will probably be needed.
 */
function binaryLayerHooks(
  env: Readonly<Record<string, string>>,
): Pick<GoBuilderOptions, "binaryLayer" | "prepareBinaryLayer"> {
  const root = defaultOutputRoot(env);
  if (!root) return { prepareBinaryLayer: (output) => prepareLayerFor(output) };
  const memo = new LayerMemo(root);
  return { binaryLayer: memo.binaryLayer, prepareBinaryLayer: memo.prepare };
}

/** `--debug`: Delve, kept under `$KOCACHE/bin` or the default output root (delve.ts). */
function delveBuilder(
  env: Readonly<Record<string, string>>,
  goPath: string,
  kocache: KoCache | undefined,
): DelveBuilder["binary"] {
  const root = kocache ? join(kocache.root, "bin") : defaultOutputRoot(env);
  return new DelveBuilder({ goPath, env, ...(root ? { root } : {}) }).binary;
}

/** Stable build-output directories (faster warm rebuilds; see build_output.ts). */
function keptOutputDir(env: Readonly<Record<string, string>>) {
  const root = defaultOutputRoot(env);
  return (importPath: string, platform: Platform) =>
    root ? usableOutputDir(root, importPath, platform) : Promise.resolve(undefined);
}
