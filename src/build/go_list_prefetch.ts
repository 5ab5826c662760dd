/**
 * Starts `go list` for the import paths of a build while the builder's modules are still
 * loading (~20 ms of start-up), so the two overlap instead of adding up. The results land in
 * go_list.ts's memo, exactly where the builder's `qualify`/`check` look for them.
 *
 * Only when no configuration file can send `go list` elsewhere: without a config file, or with
 * one that has no `builds` (a `builds` entry's `dir` changes where and how a path is listed).
 * Everything before the spawn is synchronous on purpose: module loading keeps the event loop
 * busy, so an awaited check would only start `go list` once the loading is over. This module is
 * deliberately light: it must not pull in the modules whose loading it overlaps.
 */
import { join, resolve } from "../util/posix_path.ts";
import { CONFIG_EXTENSIONS } from "../config/config_file.ts";
import { goList, type GoPackage } from "./go_list.ts";
import { withoutKoScheme } from "../util/ko_scheme.ts";

/**
 * Lists `importPaths` (as `ko build` arguments: local, plain or `ko://`) in `cwd` ahead of the
 * build. Returns the listings started (none when a config file may redirect them); they never
 * reject: the build reports any failure itself.
 */
export function prefetchGoList(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
  importPaths: readonly string[],
): Map<string, Promise<GoPackage[] | undefined>> {
  const started = new Map<string, Promise<GoPackage[] | undefined>>();
  if (mayRedirect(cwd, env)) return started;
  for (const arg of importPaths) {
    const p = withoutKoScheme(arg);
    if (p === "" || p.startsWith("-") || started.has(p)) continue;
    started.set(p, goList(cwd, [p]).catch(() => undefined));
  }
  return started;
}

/** Whether a configuration file exists that has (or may have) `builds`. */
function mayRedirect(cwd: string, env: Readonly<Record<string, string | undefined>>): boolean {
  try {
    const override = env.KO_CONFIG_PATH ?? "";
    let file: string | undefined;
    if (override !== "") {
      const abs = resolve(cwd, override);
      file = Deno.statSync(abs).isDirectory ? join(abs, ".ko.yaml") : abs;
    } else {
      for (const ext of CONFIG_EXTENSIONS) {
        const path = join(cwd, `.ko.${ext}`);
        try {
          if (!Deno.statSync(path).isDirectory) {
            file = path;
            break;
          }
        } catch (e) {
          if (!(e instanceof Deno.errors.NotFound)) throw e;
        }
      }
    }
    return file !== undefined && /builds/i.test(Deno.readTextFileSync(file));
  } catch {
    return true; // unreadable: let the build find and report the problem
  }
}
