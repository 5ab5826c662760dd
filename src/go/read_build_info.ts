/**
 * Reading the build info of a built binary: what `go version -m` prints, read from the binary
 * itself where that is exact, else by running the command.
 */
import { KoError } from "../util/errors.ts";
import { readRawBuildInfo } from "./binary_build_info.ts";
import { type BuildInfo, parseBuildInfo, parseGoVersionM } from "./build_info.ts";
import { formatBuildInfo } from "./build_info_format.ts";

/** Options of {@link runGoVersionM}. */
interface GoVersionMOptions {
  /** The go command (`KO_GO_PATH` or `go`); default `go`. */
  go?: string;
  /** Cancels the command. */
  signal?: AbortSignal;
}

/**
 * Runs `<go> version -m <binary>` (stderr goes to ours) and returns its output with the first
 * occurrence of the binary's temporary path replaced by `appPath` (`/ko-app/<name>`), so the
 * text does not depend on where the binary was built.
 */
export async function runGoVersionM(
  binary: string,
  appPath: string,
  opts: GoVersionMOptions = {},
): Promise<string> {
  const go = opts.go ?? "go";
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(go, {
      args: ["version", "-m", binary],
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
      signal: opts.signal,
    }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new KoError(
        `go version -m ${binary}: go command ${JSON.stringify(go)} not found: ` +
          `install Go or set KO_GO_PATH`,
        { cause: e },
      );
    }
    throw new KoError(`go version -m ${binary}: ${(e as Error).message}`, { cause: e });
  }
  if (!out.success) {
    throw new KoError(`go version -m ${binary}: exit status ${out.code}`);
  }
  const text = new TextDecoder().decode(out.stdout);
  return text.replace(binary, () => appPath);
}

/**
 * What `go version -m <binary>` prints (with `appPath` for the file name), read from the binary
 * without the go command; undefined when the binary is not the ordinary case or its module
 * info would not print back exactly as stored (then only the go command can say).
 *
 * @example
 * ```ts
 * await goVersionMFromBinary("/tmp/out", "/ko-app/app");
 * // "/ko-app/app: go1.26.8\n\tpath\texample.com/app\n\tmod\texample.com/app\t(devel)\t\n…"
 * ```
 */
export async function goVersionMFromBinary(
  binary: string,
  appPath: string,
): Promise<string | undefined> {
  const raw = await readRawBuildInfo(binary);
  if (raw === undefined) return undefined;
  let body: string | undefined;
  try {
    // go version -m parses the module info and prints it again: the same text, normally.
    body = formatBuildInfo(parseBuildInfo(raw.modInfo));
  } catch {
    return undefined; // the go command reports the parse error its own way
  }
  if (body !== raw.modInfo) return undefined;
  const lines = body === "" ? "" : `\t${body.slice(0, -1).replaceAll("\n", "\n\t")}\n`;
  return `${appPath}: ${raw.goVersion}\n${lines}`;
}

/**
 * The build info of a binary: `go version -m`'s text read from the binary itself
 * ({@link goVersionMFromBinary}), or from running the command ({@link runGoVersionM}) when
 * that cannot be done exactly; parsed.
 */
export async function readBuildInfo(
  binary: string,
  appPath: string,
  opts: GoVersionMOptions = {},
): Promise<BuildInfo> {
  const native = await goVersionMFromBinary(binary, appPath).catch(() => undefined);
  return parseGoVersionM(native ?? await runGoVersionM(binary, appPath, opts));
}
