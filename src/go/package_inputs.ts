/**
 * The files a build of a Go package reads that the user may edit: the directories of the
 * package and of every package it imports from a local module (the main module, a workspace
 * or `replace` directory — not the module cache, not the standard library), and those
 * modules' go.mod and go.sum.
 */
import { KoError } from "../util/errors.ts";
import { join } from "../util/posix_path.ts";

/** What a package's build reads, as `go list -deps` tells it. */
export interface PackageInputs {
  /** Directories of the package and its local dependencies (their files, not subdirectories). */
  readonly dirs: string[];
  /** `go.mod` and `go.sum` of their modules. */
  readonly moduleFiles: string[];
}

interface Listed {
  Dir?: string;
  Standard?: boolean;
  Module?: { Dir?: string; GoMod?: string };
}

/** The inputs of `pattern` listed in `dir` (with `env` as the environment, if given). */
export async function packageInputs(
  dir: string,
  pattern: string,
  env?: Readonly<Record<string, string>>,
): Promise<PackageInputs> {
  const out = await new Deno.Command("go", {
    args: ["list", "-e", "-deps", "-json=Dir,Standard,Module", "--", pattern],
    cwd: dir,
    ...(env ? { env: { ...env } } : {}),
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new KoError(
      `go list -deps ${pattern}: ${new TextDecoder().decode(out.stderr).trim() || out.code}`,
    );
  }
  const modCache = await goEnvValue(dir, "GOMODCACHE", env);
  const dirs = new Set<string>();
  const moduleFiles = new Set<string>();
  const text = new TextDecoder().decode(out.stdout);
  for (const json of text.split(/\n(?=\{)/)) {
    if (json.trim() === "") continue;
    const p = JSON.parse(json) as Listed;
    if (p.Standard || !p.Dir) continue;
    const moduleDir = p.Module?.Dir;
    if (moduleDir && modCache && moduleDir.startsWith(modCache + "/")) continue;
    dirs.add(p.Dir);
    if (moduleDir) {
      moduleFiles.add(p.Module?.GoMod ?? join(moduleDir, "go.mod"));
      moduleFiles.add(join(moduleDir, "go.sum"));
    }
  }
  return { dirs: [...dirs], moduleFiles: [...moduleFiles] };
}

async function goEnvValue(
  dir: string,
  name: string,
  env?: Readonly<Record<string, string>>,
): Promise<string | undefined> {
  const out = await new Deno.Command("go", {
    args: ["env", name],
    cwd: dir,
    ...(env ? { env: { ...env } } : {}),
    stdout: "piped",
    stderr: "null",
  }).output();
  const value = new TextDecoder().decode(out.stdout).trim();
  return out.success && value !== "" ? value : undefined;
}
