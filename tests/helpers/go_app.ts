/**
 * Writes small Go modules (standard library only, so builds never need the network) into a
 * directory for build tests: packages by relative path, kodata files, symlinks.
 */
import { dirname, join } from "node:path";

/** A Go module to write. */
export interface GoAppSpec {
  /** Module path, e.g. `example.com/app`. */
  module: string;
  /** Files by path relative to the module root (`main.go`, `cmd/x/main.go`, `kodata/a.txt`). */
  files: Record<string, string>;
  /** Symlinks by path relative to the module root → target (as written). */
  symlinks?: Record<string, string>;
}

/** A `main` package that prints the file named by its first argument from KO_DATA_PATH. */
export const PRINT_KODATA_MAIN = `package main

import (
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	name := "hello.txt"
	if len(os.Args) > 1 {
		name = os.Args[1]
	}
	b, err := os.ReadFile(filepath.Join(os.Getenv("KO_DATA_PATH"), name))
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Print(string(b))
}
`;

/** Writes the module into `dir` and returns `dir`. */
export async function writeGoApp(dir: string, spec: GoAppSpec): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "go.mod"), `module ${spec.module}\n\ngo 1.22\n`);
  for (const [rel, content] of Object.entries(spec.files)) {
    await Deno.mkdir(dirname(join(dir, rel)), { recursive: true });
    await Deno.writeTextFile(join(dir, rel), content);
  }
  for (const [rel, target] of Object.entries(spec.symlinks ?? {})) {
    await Deno.mkdir(dirname(join(dir, rel)), { recursive: true });
    await Deno.symlink(target, join(dir, rel));
  }
  return dir;
}
