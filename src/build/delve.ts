/**
 * `--debug`: the Delve debugger in the image (ko-behaviour 5.10). Delve is built for the
 * target platform with the local Go toolchain and added as a third layer at `/ko-app/dlv`, and
 * the entrypoint starts the app under it, headless on port 40000.
 *
 * Better than ko, which `git clone`s Delve's default branch from GitHub on every build: a
 * pinned Delve release comes from the Go module proxy (so the image is reproducible, and it
 * works wherever `go build` can fetch modules), and the binary is kept next to the other build
 * outputs, so only the first debug build of a platform pays for compiling it.
 */
import type { Platform } from "../oci/descriptor.ts";
import { formatPlatform } from "../oci/platform.ts";
import { definedEnv } from "../util/command.ts";
import { goCommandOutput, goNotFoundHint } from "../go/go_command.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { info } from "../util/log.ts";
import { join } from "../util/posix_path.ts";

/** The Delve release put into debug images. */
const DELVE_VERSION = "v1.27.2";
const DELVE_MODULE = "github.com/go-delve/delve";
const DELVE_PACKAGE = `${DELVE_MODULE}/cmd/dlv`;

/** Where Delve goes in the image. */
export const DELVE_PATH = "/ko-app/dlv";

/** What the entrypoint runs before `--` and the app: Delve serving one headless session. */
export const DELVE_ARGS: readonly string[] = [
  "exec",
  "--listen=:40000",
  "--headless",
  "--log",
  "--accept-multiclient",
  "--api-version=2",
  "--",
];

/** Whether ko can debug on a platform: Delve supports linux/amd64 and linux/arm64 here. */
export function debuggingSupported(platform: Platform): boolean {
  return platform.os === "linux" &&
    (platform.architecture === "amd64" || platform.architecture === "arm64");
}

/** What ko logs for a platform `--debug` cannot serve (the image is built without Delve). */
export function debuggingUnsupportedMessage(platform: Platform): string {
  return `image for platform ${JSON.stringify(formatPlatform(platform))} will be built without ` +
    "debugging enabled because debugging is not supported for that platform";
}

/** Options of {@link DelveBuilder}. */
interface DelveBuilderOptions {
  /** The go command (`KO_GO_PATH` or `go`). */
  readonly goPath: string;
  /** ko's environment (GOPROXY, GOMODCACHE, HOME…): the Delve build runs with it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * The kept build outputs' root (build_output.ts): Delve is kept under it, built once per
   * architecture. Without one it is built into each platform build's scratch directory.
   */
  readonly root?: string;
}

/** Builds (or finds) the Delve binary for a platform; one build per architecture per process. */
export class DelveBuilder {
  readonly #builds = new Map<string, Promise<string>>();

  constructor(private readonly o: DelveBuilderOptions) {}

  /**
   * The path of a Delve binary for `platform`: kept from an earlier build, or built now (into
   * `scratchDir` when there is no kept root). Fails with `building Delve: …`.
   */
  readonly binary = (
    platform: Platform,
    scratchDir: string,
    signal?: AbortSignal,
  ): Promise<string> => {
    const arch = platform.architecture;
    if (this.o.root === undefined) return this.#build(arch, join(scratchDir, "dlv"), signal);
    const path = join(this.o.root, `${DELVE_PACKAGE}@${DELVE_VERSION}`, `linux_${arch}`, "dlv");
    let p = this.#builds.get(arch);
    if (!p) {
      p = Deno.stat(path).then(
        (st) => st.isFile ? path : this.#build(arch, path, signal),
        () => this.#build(arch, path, signal),
      );
      p.catch(() => this.#builds.delete(arch)); // a later platform may try again
      this.#builds.set(arch, p);
    }
    return p;
  };

  /** `go build`s Delve into `out` (atomically: a temporary name, then a rename). */
  async #build(arch: string, out: string, signal?: AbortSignal): Promise<string> {
    info(`Building Delve ${DELVE_VERSION} for linux/${arch}`);
    const dir = await Deno.makeTempDir({ prefix: "ko-delve-" });
    const tmp = `${out}.tmp-${crypto.randomUUID().slice(0, 8)}`;
    try {
      // A throwaway module that requires the pinned release: go get resolves it (and its
      // go.sum) through the module proxy, go build compiles its command for the target.
      await Deno.writeTextFile(join(dir, "go.mod"), "module ko.local/delve\n\ngo 1.22\n");
      const env = {
        ...definedEnv(this.o.env),
        CGO_ENABLED: "0",
        GOOS: "linux",
        GOARCH: arch,
        GOFLAGS: "",
        GOWORK: "off",
      };
      await this.#go(["get", `${DELVE_PACKAGE}@${DELVE_VERSION}`], dir, env, signal);
      await Deno.mkdir(join(out, ".."), { recursive: true });
      await this.#go(
        ["build", "-trimpath", "-ldflags=-s -w", "-o", tmp, DELVE_PACKAGE],
        dir,
        env,
        signal,
      );
      await Deno.rename(tmp, out);
      return out;
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      if (e instanceof KoError) throw e;
      throw new KoError(`building Delve: ${errorMessage(e)}`, { cause: e });
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }

  async #go(
    args: string[],
    cwd: string,
    env: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<void> {
    let out: Deno.CommandOutput;
    try {
      // Like go build: a stopped go get or build leaves no work directory behind.
      out = await goCommandOutput(this.o.goPath, { args, cwd, env }, signal);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        throw new KoError(
          `building Delve: cannot run "${this.o.goPath}": not found (${
            goNotFoundHint(this.o.goPath)
          })`,
        );
      }
      throw e;
    }
    if (!out.success) {
      signal?.throwIfAborted();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      throw new KoError(
        `building Delve: go ${args[0]}: exit status ${out.code}: ${text.trimEnd()}`,
      );
    }
  }
}
