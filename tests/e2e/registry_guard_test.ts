/**
 * What ko trusts of a registry, end to end: `--insecure-registry` skips certificate checks for
 * the KO_DOCKER_REPO registry only (a base image on another registry of the same host keeps
 * them), and a registry cannot send an upload to another internal host.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { join } from "node:path";
import { ko, type KoRun } from "../helpers/ko_cli.ts";
import { startFaultProxy } from "../helpers/fault_proxy.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { tempDir } from "../helpers/tools.ts";

function errorLine(r: KoRun): string {
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("Error: "));
  equal(lines.length, 1, `expected one Error line in:\n${r.stderr}`);
  return lines[0]!;
}

async function appSource(dir: string): Promise<string> {
  return await writeGoApp(join(dir, "src"), {
    module: "example.com/guard",
    files: { "cmd/app/main.go": "package main\n\nfunc main() {}\n" },
  });
}

Deno.test("--insecure-registry skips certificate checks for KO_DOCKER_REPO's registry only", async (t) => {
  // Two TLS registries on 127.0.0.1, both with a certificate from a CA ko is not told about.
  await using target = await startRegistry({ mode: "tls" });
  await using other = await startRegistry({ mode: "tls" });
  await using tmp = await tempDir();
  const src = await appSource(tmp.path);
  const onTarget = await pushFixtureBases(target);
  const onOther = await pushFixtureBases(other);
  const build = (base: string) =>
    ko(["build", "--insecure-registry", "--bare", "./cmd/app"], {
      cwd: src,
      env: { KO_DOCKER_REPO: `${target.host}/app`, KO_DEFAULTBASEIMAGE: base },
    });

  await t.step("a base on the same registry is read without verification", async () => {
    const r = await build(onTarget.ociImage.ref);
    equal(r.code, 0, r.stderr);
    match(r.stdout, new RegExp(`^${target.host}/app@sha256:[0-9a-f]{64}\\n$`));
  });

  await t.step("a base on another registry of the same host is verified", async () => {
    const r = await build(onOther.ociImage.ref);
    equal(r.code, 1, r.stderr);
    match(
      errorLine(r),
      new RegExp(
        `pulling ${other.host}/fixtures/oci-image:latest: cannot reach registry ${other.host}: ` +
          "TLS handshake failed: .*certificate",
      ),
    );
    equal(r.stdout, "");
  });
});

Deno.test("a registry steering an upload to another internal host fails the push cleanly", async () => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const src = await appSource(tmp.path);
  const seen: string[] = [];
  const elsewhere = Deno.serve({ hostname: "127.0.0.2", port: 0, onListen: () => {} }, (req) => {
    seen.push(`${req.method} ${new URL(req.url).pathname}`);
    return new Response(null, { status: 201 });
  });
  const elsewhereHost = `127.0.0.2:${elsewhere.addr.port}`;
  try {
    await using proxy = await startFaultProxy(
      registry.host,
      ({ method }) =>
        method === "POST"
          ? { status: 202, headers: { location: `http://${elsewhereHost}/v2/app/blobs/uploads/1` } }
          : "pass",
    );
    const r = await ko(["build", "--bare", "./cmd/app"], {
      cwd: src,
      env: { KO_DOCKER_REPO: `${proxy.host}/app`, KO_DEFAULTBASEIMAGE: "scratch" },
    });
    equal(r.code, 1, r.stderr);
    match(
      errorLine(r),
      new RegExp(
        `refusing the upload location on ${elsewhereHost}, a loopback address that is not the ` +
          `registry's \\(${proxy.host}\\)$`,
      ),
    );
    deepEqual(seen, []);
    equal(proxy.requests.some((q) => q.method === "PUT" && q.path.includes("/manifests/")), false);
  } finally {
    await elsewhere.shutdown();
  }
});
