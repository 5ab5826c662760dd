/**
 * What ko trusts of a registry, end to end: `--insecure-registry` skips certificate checks for
 * the KO_DOCKER_REPO registry only (a base image on another registry of the same host keeps
 * them), a self-signed CA certificate the user names is trusted for pulls as for pushes, and a
 * registry cannot send an upload to another internal host.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { errorLine, ko } from "../helpers/ko_cli.ts";
import { startFaultProxy } from "../helpers/fault_proxy.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { testTlsCerts } from "../helpers/test_certs.ts";
import { tempDir } from "../helpers/tools.ts";

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

Deno.test("a base image on a registry with a self-signed CA:TRUE certificate named in SSL_CERT_FILE", async () => {
  const certs = await testTlsCerts();
  await using registry = await startRegistry({ mode: "tls", serverCert: certs.selfSigned });
  await using tmp = await tempDir();
  const src = await appSource(tmp.path);
  const env = { SSL_CERT_FILE: certs.selfSigned.certPath, KO_DOCKER_REPO: `${registry.host}/base` };
  // The base: pushed there by ko itself (the test helpers' fetch cannot trust that certificate).
  const pushed = await ko(["build", "--bare", "./cmd/app"], {
    cwd: src,
    env: { ...env, KO_DEFAULTBASEIMAGE: "scratch" },
  });
  equal(pushed.code, 0, pushed.stderr);
  const layout = join(tmp.path, "layout");
  const r = await ko(["build", "--push=false", "--oci-layout-path", layout, "./cmd/app"], {
    cwd: src,
    env: { ...env, KO_DEFAULTBASEIMAGE: pushed.stdout.trim() },
  });
  equal(r.code, 0, r.stderr);
  // Its layers came through the named certificate's connection, checked, into the layout.
  const index = JSON.parse(await Deno.readTextFile(join(layout, "index.json")));
  const blob = (d: string) => join(layout, "blobs", "sha256", d.slice("sha256:".length));
  const manifest = JSON.parse(await Deno.readTextFile(blob(index.manifests[0].digest)));
  equal(manifest.layers.length, 4); // the base's two, then this build's two
  for (const l of manifest.layers) {
    const bytes = await Deno.readFile(blob(l.digest));
    equal(`sha256:${createHash("sha256").update(bytes).digest("hex")}`, l.digest);
  }
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
