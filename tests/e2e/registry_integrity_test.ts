/**
 * Every byte read from a registry is checked against its digest before it is used or written:
 * a base registry (the real registry behind a tampering proxy) that flips one byte of a layer,
 * a config or a child manifest fails the build with one line naming the reference and both
 * digests, and leaves no layout, tarball or temporary file behind.
 */
import { equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { errorLine, ko } from "../helpers/ko_cli.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { startTamperProxy, type TamperRule } from "../helpers/tamper_proxy.ts";
import { pathExists, tempDir } from "../helpers/tools.ts";

const MAIN = "package main\n\nfunc main() {}\n";

/** Every file under `dir`, recursively, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string) => {
    for await (const e of Deno.readDir(d)) {
      if (e.isDirectory) await walk(join(d, e.name), `${prefix}${e.name}/`);
      else out.push(`${prefix}${e.name}`);
    }
  };
  await walk(dir, "");
  return out.sort();
}

Deno.test("a base registry sending bytes that do not match their digest fails the build and writes nothing", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/integrity",
    files: { "cmd/app/main.go": MAIN },
  });
  const image = bases.ociImage;
  const layer = image.layerDigests[0]!;
  const child = bases.ociIndex.manifests[0]!.digest;
  const flipping = (target: string): TamperRule => ({ method, path }) =>
    method === "GET" && path.endsWith(`/${target}`) ? "flip" : "pass";

  const build = async (rule: TamperRule, base: string, args: string[]) => {
    await using proxy = await startTamperProxy(registry.host, rule);
    const r = await ko(["build", "--push=false", ...args, "./cmd/app"], {
      cwd: src,
      env: {
        KO_DOCKER_REPO: "example.com/integrity",
        KO_DEFAULTBASEIMAGE: `${proxy.host}/${base}`,
      },
    });
    return { r, proxyHost: proxy.host };
  };

  await t.step("a flipped base layer is not written to --oci-layout-path", async () => {
    const out = join(tmp.path, "layout");
    const { r, proxyHost } = await build(flipping(layer), `${image.repo}:latest`, [
      "--oci-layout-path",
      out,
    ]);
    equal(r.code, 1, r.stderr);
    const line = errorLine(r);
    match(line, new RegExp(`${proxyHost}/${image.repo}.* blob ${layer}`));
    match(line, /error verifying sha256 checksum/);
    match(line, /the registry sent content with digest sha256:[0-9a-f]{64}/);
    equal(r.stdout, "");
    ok(!(await pathExists(out)), "the layout is left behind");
  });

  await t.step("a flipped base layer leaves an existing layout as it was", async () => {
    const out = join(tmp.path, "layout-existing");
    const good = await build(() => "pass", `${image.repo}:latest`, ["--oci-layout-path", out]);
    equal(good.r.code, 0, good.r.stderr);
    await Deno.remove(join(out, "blobs", "sha256", layer.slice("sha256:".length)));
    const before = await filesUnder(out);
    const { r } = await build(flipping(layer), `${image.repo}:latest`, [
      "--oci-layout-path",
      out,
    ]);
    equal(r.code, 1, r.stderr);
    match(errorLine(r), /error verifying sha256 checksum/);
    // The new image's blobs may be there (each one intact), but never the bad layer, a temp
    // file, or an index entry for the new image.
    const after = await filesUnder(out);
    ok(!after.includes(`blobs/sha256/${layer.slice("sha256:".length)}`), "bad layer written");
    ok(!after.some((f) => f.includes(".tmp-")), `a temp file is left: ${after}`);
    for (const f of before) ok(after.includes(f), `${f} went missing`);
  });

  await t.step("a flipped base layer is not written to --tarball", async () => {
    const out = join(tmp.path, "image.tar");
    const { r } = await build(flipping(layer), `${image.repo}:latest`, ["--tarball", out]);
    equal(r.code, 1, r.stderr);
    match(errorLine(r), new RegExp(`blob ${layer}: error verifying sha256 checksum`));
    ok(!(await pathExists(out)), "the tarball is left behind");
    const left = (await filesUnder(tmp.path)).filter((f) => f.includes(".tmp-"));
    equal(left.length, 0, `temp files left: ${left}`);
  });

  await t.step("a flipped base layer is not pushed to another registry", async () => {
    await using target = await startRegistry();
    await using proxy = await startTamperProxy(registry.host, flipping(layer));
    const r = await ko(["build", "--bare", "./cmd/app"], {
      cwd: src,
      env: {
        KO_DOCKER_REPO: `${target.host}/pushed`,
        KO_DEFAULTBASEIMAGE: `${proxy.host}/${image.repo}:latest`,
      },
    });
    equal(r.code, 1, r.stderr);
    match(errorLine(r), new RegExp(`blob ${layer}: error verifying sha256 checksum`));
    equal(r.stdout, "");
    const tags = await fetch(`${target.url}/v2/pushed/tags/list`);
    equal(tags.status, 404, await tags.text());
  });

  await t.step("a flipped base config fails the build", async () => {
    const { r } = await build(flipping(image.configDigest), `${image.repo}:latest`, [
      "--oci-layout-path",
      join(tmp.path, "layout-config"),
    ]);
    equal(r.code, 1, r.stderr);
    match(errorLine(r), new RegExp(`blob ${image.configDigest}: error verifying sha256 checksum`));
    ok(!(await pathExists(join(tmp.path, "layout-config"))));
  });

  await t.step("a flipped index child manifest fails the build", async () => {
    const { r } = await build(flipping(child), `${bases.ociIndex.repo}:latest`, [
      "--oci-layout-path",
      join(tmp.path, "layout-child"),
    ]);
    equal(r.code, 1, r.stderr);
    match(errorLine(r), new RegExp(`manifest ${child}: error verifying sha256 checksum`));
    ok(!(await pathExists(join(tmp.path, "layout-child"))));
  });
});
