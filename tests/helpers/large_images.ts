/**
 * Inputs large enough that a test can act while ko is busy with them: a base image with a layer
 * of random (incompressible) bytes, a Go app that embeds random bytes (a large binary, so a large
 * layer to compress and upload), and a finder of temporary files left in a tree.
 */
import { join } from "node:path";
import { buildImage } from "./fixture_images.ts";
import { type FixtureImageRef, pushBuilt } from "./fixtures.ts";
import type { RegistryServer } from "./registry_server.ts";
import { writeGoApp } from "./go_app.ts";

/** `size` random bytes. */
export function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  for (let off = 0; off < size; off += 65536) {
    crypto.getRandomValues(out.subarray(off, Math.min(size, off + 65536)));
  }
  return out;
}

/** Pushes a linux/amd64 base whose second layer holds `size` random bytes, as `<repo>:latest`. */
export async function pushLargeBase(
  server: RegistryServer,
  repo: string,
  size: number,
): Promise<FixtureImageRef> {
  const image = buildImage({
    family: "oci",
    platform: { os: "linux", architecture: "amd64" },
    label: "large",
    layers: [[{ path: "large.bin", type: "file", content: randomBytes(size) }]],
  });
  return await pushBuilt(server, repo, "latest", image);
}

/** Writes a Go module at `dir` whose main package embeds `size` random bytes. */
export async function writeLargeGoApp(dir: string, module: string, size: number): Promise<string> {
  await writeGoApp(dir, {
    module,
    files: {
      "main.go": `package main

import (
	_ "embed"
	"fmt"
)

//go:embed large.bin
var large []byte

func main() { fmt.Println(len(large)) }
`,
    },
  });
  await Deno.writeFile(join(dir, "large.bin"), randomBytes(size));
  return dir;
}

/** The paths under `dir` (recursively) of temporary files (`….tmp-…`). */
export async function temporaryFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.includes(".tmp-")) found.push(join(d, e.name));
      if (e.isDirectory) await walk(join(d, e.name));
    }
  };
  await walk(dir);
  return found.sort();
}
