/**
 * What each verb is given besides its context: the validated options of every verb, and the
 * handler type the CLI calls. The CLI fills these from flags; the commands consume them.
 */
import type { SbomFormat } from "../sbom/sbom_formats.ts";
import type { VerbHandler } from "./context.ts";

/** Validated build flags. */
export interface BuildOptions {
  /** Concurrent per-platform builds; `-j 0` is already turned into the CPU count. */
  jobs: number;
  /**
   * Concurrent blob uploads per image: `--jobs` when given, else at least 4 (uploads wait on
   * the network, not on the CPUs).
   */
  pushJobs: number;
  /** Build with `-gcflags all=-N -l`. (`--debug` implies it; the builder applies that.) */
  disableOptimizations: boolean;
  /** `--ldflags` entries; non-empty replaces every ldflags entry from .ko.yaml. */
  ldflags: string[];
  /** SBOM format to generate and attach. */
  sbom: SbomFormat;
  /** Directory to also write SBOM files to; "" for none. */
  sbomDir: string;
  /** `--platform` entries (`all` alone, or `os[/arch[/variant]][:osversion]`); [] = config default. */
  platforms: string[];
  /** Image config labels from `--image-label key=value`, in order given (later keys win). */
  imageLabels: Record<string, string>;
  /** Manifest and index annotations from `--image-annotation key=value`. */
  imageAnnotations: Record<string, string>;
  /** Config `User` from `--image-user`; "" leaves the base image's. */
  imageUser: string;
  /** Build Delve into the image and wrap the entrypoint with it. */
  debug: boolean;
  /** How progress is shown (`--progress`). */
  progress: ProgressFlag;
  /** Print the per-phase timings at the end (`--timings`). */
  timings: boolean;
}

/** The values of `--progress`. */
export const PROGRESS_MODES = ["auto", "plain", "tty", "quiet"] as const;

/** One of {@link PROGRESS_MODES}. */
export type ProgressFlag = typeof PROGRESS_MODES[number];

/** Validated publish flags. */
export interface PublishOptions {
  /** Tags to apply, duplicates removed (first kept); `[latest]` unless `-t` is given. */
  tags: string[];
  /** Print `name:tag` references without a digest. */
  tagOnly: boolean;
  /** Push to KO_DOCKER_REPO (`--push=false` builds without pushing). */
  push: boolean;
  /** Load into the local Docker daemon instead of pushing. */
  local: boolean;
  /** Allow plain HTTP and skip TLS verification for the target registry. */
  insecureRegistry: boolean;
  /** Also write results into this OCI image layout; "" for none. */
  ociLayoutPath: string;
  /** Also write a `docker load` tarball here; "" for none. */
  tarball: string;
  /** Write the published references to this file; "" for none. */
  imageRefs: string;
  /** Naming: `KO_DOCKER_REPO/<full import path>`. */
  preserveImportPaths: boolean;
  /** Naming: `KO_DOCKER_REPO/<last path element>`; wins over `bare`. */
  baseImportPaths: boolean;
  /** Naming: `KO_DOCKER_REPO` itself. */
  bare: boolean;
  /** `--sign-key`: the cosign private key to sign with; "" leaves it to KO_SIGN_KEY/.ko.yaml. */
  signKey: string;
}

/** Where the Kubernetes YAML comes from. */
export interface FilenameOptions {
  /** Files, directories, or `-` for stdin, in the order given (at least one). */
  filenames: string[];
  /** Walk subdirectories of directories given with `-f`. */
  recursive: boolean;
}

/** Which Kubernetes objects to keep. */
export interface SelectorOptions {
  /** Label selector (`app=web`, `tier!=db`, `env in (a,b)`, `key`, `!key`); "" keeps all. */
  selector: string;
}

/** Which cluster kubectl talks to. */
export interface KubeconfigOptions {
  /** Path handed to kubectl as `--kubeconfig`; "" lets kubectl choose. */
  kubeconfig: string;
}

/** `-W, --watch` of build, resolve and apply. */
export interface WatchFlag {
  /** Rebuild (and re-print, re-resolve or re-apply) whenever an input changes. */
  watch: boolean;
}

/** Options of `ko build`. */
export type BuildCommandOptions = BuildOptions & PublishOptions & WatchFlag;

/** Builds and publishes each import path (`.` when none were given), printing one reference per line. */
export type BuildHandler = VerbHandler<BuildCommandOptions>;

/** Options of `ko resolve`. */
export type ResolveCommandOptions =
  & BuildOptions
  & PublishOptions
  & FilenameOptions
  & SelectorOptions
  & WatchFlag;

/** Resolves the files and writes the rewritten YAML to stdout; `args` is always empty. */
export type ResolveHandler = VerbHandler<ResolveCommandOptions>;

/** Options of `ko apply` and `ko create`. */
export type ApplyCommandOptions = ResolveCommandOptions & KubeconfigOptions;

/**
 * Resolves the files and streams the YAML into `kubectl apply -f -` (or `create`); `args` are
 * the extra kubectl arguments (every positional argument, in practice those after `--`).
 */
export type ApplyHandler = VerbHandler<ApplyCommandOptions>;

/** Options of `ko create` (the same as apply's). */
type CreateCommandOptions = ApplyCommandOptions;

/** Resolves the files and streams the YAML into `kubectl create -f -` plus `args`. */
export type CreateHandler = VerbHandler<CreateCommandOptions>;

/** `ko delete` has no flags of its own: everything belongs to kubectl. */
type DeleteCommandOptions = Record<never, never>;

/** Runs `kubectl delete <args>`; `args` is everything after `delete`, verbatim. */
export type DeleteHandler = VerbHandler<DeleteCommandOptions>;

/** Options of `ko run`. */
type RunCommandOptions = BuildOptions & PublishOptions & KubeconfigOptions & {
  /** Arguments after the first `--`, for `kubectl run` (a later `--` starts the container's). */
  kubectlArgs: string[];
};

/** Builds and publishes each import path in `args`, then runs it as a pod with kubectl. */
export type RunHandler = VerbHandler<RunCommandOptions>;

/** Options of `ko login`, with the password already read from stdin if asked. */
interface LoginCommandOptions {
  /** Registry user name. */
  username: string;
  /** Password or token (from `-p` or stdin). Never log it. */
  password: string;
}

/** Stores the credentials for the registry `args[0]` and logs `logged in via <config file>`. */
export type LoginHandler = VerbHandler<LoginCommandOptions>;

/** Documents `ko deps --sbom` can print; "" prints the plain dependency tree. */
export const DEPS_SBOM_FORMATS = ["", "spdx", "cyclonedx", "go.version-m"] as const;

/** One of {@link DEPS_SBOM_FORMATS}. */
export type DepsSbomFormat = typeof DEPS_SBOM_FORMATS[number];

/** Options of `ko deps`. */
interface DepsCommandOptions {
  /** "" for the dependency tree, or the SBOM document to print instead. */
  sbom: DepsSbomFormat;
  /** `--platform` entries the binary is built for; [] = the default platform. */
  platforms: string[];
}

/** Builds the binary of `args[0]` and prints its dependencies (or an SBOM) on stdout. */
export type DepsHandler = VerbHandler<DepsCommandOptions>;

/** `ko version` has no options. */
type VersionCommandOptions = Record<never, never>;

/** Prints the version. */
export type VersionHandler = VerbHandler<VersionCommandOptions>;
