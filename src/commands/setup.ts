/**
 * Setting up a run of the build-ish verbs (build, resolve, apply, create, run): the
 * configuration, the Go toolchain, one registry client, the builder and the publisher, joined
 * into a {@link Pipeline}. Every verb is a thin composition over this.
 */
import { BaseImageResolver } from "../build/base_image.ts";
import { FRESH_BINARY_LAYERS } from "../build/binary_layers.ts";
import { defaultOutputRoot, OutputDirs } from "../build/build_output.ts";
import { DelveBuilder } from "../build/delve.ts";
import { GoBuilder } from "../build/go_builder.ts";
import { KoCache } from "../build/kocache.ts";
import { LayerMemo } from "../build/layer_memo.ts";
import { SbomMaker } from "../build/sbom_attach.ts";
import { BuildSelector } from "../config/build_selection.ts";
import { parseEpochEnv } from "../config/epoch_env.ts";
import { loadKoConfig } from "../config/ko_config.ts";
import { goBinaryPath } from "../go/go_command.ts";
import type { GoLister } from "../go/go_lister.ts";
import { GoTools } from "../go/go_tools.ts";
import type { RegistryReader } from "../image/remote.ts";
import { closeLayerPool } from "../layer/worker_pool.ts";
import { resolvePlatformSpec } from "../oci/platform.ts";
import { parseRepository } from "../oci/reference.ts";
import { lazyDaemonBaseReader } from "../publish/local_publishers.ts";
import { makePublisher } from "../publish/make_publisher.ts";
import { sbomAttachments } from "../publish/sbom_push.ts";
import { RegistryClient } from "../registry/client.ts";
import { idleTimeoutFromEnv } from "../registry/idle_timeout.ts";
import { join } from "../util/posix_path.ts";
import { VERSION } from "../version.ts";
import type { VerbContext } from "./context.ts";
import type { BuildOptions, PublishOptions } from "./options.ts";
import { Pipeline } from "./pipeline.ts";
import { openProgress } from "./progress.ts";
import type { RunProgress } from "../progress/run_progress.ts";
import { openSigning } from "./signing.ts";

/** What a run derives from the configuration, the environment and the flags. */
interface RunSettings {
  readonly selector: BuildSelector;
  /** `SOURCE_DATE_EPOCH` seconds. */
  readonly creationTime?: number;
  /** `KO_DATA_DATE_EPOCH` seconds. */
  readonly kodataCreationTime?: number;
  /** `KO_DATA_PATH_ALLOWED_ROOT`. */
  readonly kodataAllowedRoot?: string;
  /** `KO_GO_PATH` or `go`. */
  readonly goPath: string;
}

/** Reads the configuration and decides how packages are selected and built. */
export async function loadRunSettings(
  ctx: VerbContext,
  options: Pick<BuildOptions, "ldflags" | "disableOptimizations" | "debug">,
  lister: GoLister,
): Promise<RunSettings> {
  const { env, cwd } = ctx;
  const config = await loadKoConfig({ cwd, env, lister });
  const goPath = goBinaryPath(env);
  const creationTime = parseEpochEnv("SOURCE_DATE_EPOCH", env);
  const kodataCreationTime = parseEpochEnv("KO_DATA_DATE_EPOCH", env);
  const selector = new BuildSelector(config, {
    cwd,
    env,
    lister,
    goPath,
    cliLdflags: options.ldflags,
    disableOptimizations: options.disableOptimizations || options.debug,
    ...(creationTime !== undefined ? { creationTime } : {}),
  });
  return {
    selector,
    goPath,
    ...(creationTime !== undefined ? { creationTime } : {}),
    ...(kodataCreationTime !== undefined ? { kodataCreationTime } : {}),
    ...(env.KO_DATA_PATH_ALLOWED_ROOT ? { kodataAllowedRoot: env.KO_DATA_PATH_ALLOWED_ROOT } : {}),
  };
}

/** What `ko build` starts before the run is set up, for the run to take over. */
export interface EarlyStart {
  /** The Go toolchain, with `go list` and the likely `go build`s already running. */
  readonly go: GoTools;
  /** The run's progress, which has seen them start. */
  readonly progress: RunProgress;
}

/**
 * Sets up a run from the context and the validated options. `early` is what the command line
 * already started (`ko build` starts `go list` and likely `go build`s at start-up); the caller
 * then closes it. Otherwise the run makes its own, and closes them when it is over.
 * `writesWhileWorking`: the verb writes to stdout (or runs kubectl on the terminal) while it
 * works, so no live view shares the terminal with it.
 */
export async function openPipeline(
  ctx: VerbContext,
  options: BuildOptions & PublishOptions,
  early?: EarlyStart,
  writesWhileWorking = false,
): Promise<Pipeline> {
  const progress = early?.progress ?? openProgress(ctx, options, writesWhileWorking);
  const tools = early?.go ??
    new GoTools(options.jobs, (name, detail) => progress.span(name, detail));
  const { lister, runner } = tools;
  const configured = progress.span("config");
  const kocache = await KoCache.open(ctx.env, ctx.cwd);
  const settings = await loadRunSettings(ctx, options, lister);
  configured();
  let client: RegistryClient | undefined;
  // A bad KO_REGISTRY_TIMEOUT fails now, before anything is built.
  const idleTimeoutMs = idleTimeoutFromEnv(ctx.env.KO_REGISTRY_TIMEOUT);
  const getClient = () =>
    client ??= new RegistryClient({
      userAgent: `ko/${VERSION}`,
      idleTimeoutMs,
      // Credentials, TLS trust and proxies from the verb's environment, not the process's.
      env: (name) => ctx.env[name],
      insecureRegistries: options.insecureRegistry ? insecureRegistries(ctx.env) : [],
    });
  const reader = { // the client is only created when a remote base is actually read
    getManifest: (r, ref, s) => getClient().getManifest(r, ref, s),
    getBlob: (r, d, s, size) => getClient().getBlob(r, d, s, size),
    getBlobBytes: (r, d, s) => getClient().getBlobBytes(r, d, s),
  } satisfies RegistryReader;
  const config = settings.selector.config;
  const signing = await openSigning(ctx, options, config);
  const bases = new BaseImageResolver(
    kocache
      ? kocache.baseReader(reader, (r, ref, s) => getClient().headManifest(r, ref, s))
      : reader,
    {
      defaultBaseImage: config.defaultBaseImage,
      baseImageOverrides: config.baseImageOverrides,
      insecure: options.insecureRegistry,
      daemon: lazyDaemonBaseReader(ctx.env),
    },
  );
  const outputRoot = defaultOutputRoot(ctx.env);
  const builder = new GoBuilder({
    selector: settings.selector,
    lister,
    runner,
    platforms: resolvePlatformSpec({
      flag: options.platforms,
      config: config.defaultPlatforms,
      env: ctx.env,
    }),
    bases,
    // KOCACHE: $KOCACHE/bin outputs and cached binary layers; else the user cache directory's
    // outputs, with their layers' digests remembered (layer_memo.ts).
    outputs: kocache ? kocache.outputs() : new OutputDirs(outputRoot),
    binaryLayers: kocache ?? (outputRoot ? new LayerMemo(outputRoot) : FRESH_BINARY_LAYERS),
    ...optional("sbom", SbomMaker.forFormat(options.sbom, options.sbomDir)),
    goPath: settings.goPath,
    ...optional(
      "delve",
      options.debug ? delveBuilder(ctx.env, settings.goPath, kocache) : undefined,
    ),
    annotations: options.imageAnnotations,
    labels: options.imageLabels,
    provenance: signing !== undefined,
    ...(options.imageUser ? { user: options.imageUser } : {}),
    ...optional("creationTime", settings.creationTime),
    ...optional("kodataCreationTime", settings.kodataCreationTime),
    ...optional("kodataAllowedRoot", settings.kodataAllowedRoot),
  });
  const publisher = await makePublisher({
    ...options,
    dockerRepo: ctx.env.KO_DOCKER_REPO,
    jobs: options.pushJobs,
    client: getClient,
    env: ctx.env,
    signal: ctx.signal,
    pushAttachments: sbomAttachments({
      client: getClient,
      ...(ctx.env.COSIGN_REPOSITORY ? { cosignRepository: ctx.env.COSIGN_REPOSITORY } : {}),
      insecure: options.insecureRegistry,
    }),
    ...optional("signing", signing),
  });
  // Its round trips overlap go list (which `ko build` has usually started already).
  bases.prefetchDefault(ctx.signal);
  return new Pipeline(builder, publisher, progress, async () => {
    client?.close();
    closeLayerPool();
    if (!early) {
      await tools.close();
      progress.finish();
    }
  });
}

/** `{ [key]: value }` when the value is defined, else nothing (for optional fields). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : { [key]: value } as { [P in K]?: V };
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

/** `--debug`: Delve, kept under `$KOCACHE/bin` or the default output root (delve.ts). */
function delveBuilder(
  env: Readonly<Record<string, string>>,
  goPath: string,
  kocache: KoCache | undefined,
): DelveBuilder {
  const root = kocache ? join(kocache.root, "bin") : defaultOutputRoot(env);
  return new DelveBuilder({ goPath, env, ...(root ? { root } : {}) });
}
