/** Small helpers for the configuration tests: temp dirs, log capture, a clean Go environment. */
import type { BuildConfig, KoConfig } from "../../src/config/ko_config.ts";
import { setLogSink } from "../../src/util/log.ts";

/** The multi-module fixture repository (see its README). */
export const MULTIMOD = new URL("../testdata/config/multimod", import.meta.url).pathname;

/** The process environment with Go pinned to offline, module-only behaviour. */
export function goEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  const env = Deno.env.toObject();
  for (const k of Object.keys(env)) if (k.startsWith("KO_")) delete env[k];
  return { ...env, GOWORK: "off", GOFLAGS: "", GOPROXY: "off", GOTOOLCHAIN: "local", ...extra };
}

/** Runs `fn` with a fresh temp dir that is removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "ko-config-test-" }));
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs `fn` collecting every log line; returns its result and the lines. */
export async function captureLogs<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const restore = setLogSink((l) => lines.push(l));
  try {
    return { result: await fn(), lines };
  } finally {
    restore();
  }
}

/** The message of the error `fn` rejects with (fails if it resolves). */
export async function errorOf(fn: () => Promise<unknown>): Promise<string> {
  try {
    await fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error");
}

/** A configuration with ko's defaults (and scratch), changed by `partial`. */
export function config(partial: Partial<KoConfig> = {}): KoConfig {
  return {
    defaultBaseImage: "scratch",
    baseImageOverrides: {},
    defaultPlatforms: [],
    defaultEnv: [],
    defaultFlags: [],
    defaultLdflags: [],
    builds: [],
    ...partial,
  };
}

/** A `builds` entry with empty lists, changed by `partial`. */
export function build(partial: Partial<BuildConfig> = {}): BuildConfig {
  return {
    id: "",
    dir: ".",
    main: ".",
    env: [],
    flags: [],
    ldflags: [],
    linuxCapabilities: [],
    importPath: "example.com/root/cmd/root",
    ...partial,
  };
}
