/**
 * An image's attachments (its SBOM's `sha256-<d>.sbom` tag, the OCI 1.1 referrer and its
 * `sha256-<d>` fallback tag) are pushed only once the registry has accepted the image's
 * manifest: when that PUT fails, no tag or manifest points at an image that is not there.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { join } from "node:path";
import { ko } from "../helpers/ko_cli.ts";
import { startFaultProxy } from "../helpers/fault_proxy.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { tempDir } from "../helpers/tools.ts";

Deno.test("a refused image manifest leaves no SBOM tag, fallback tag or referrer behind", async () => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/attach",
    files: { "cmd/app/main.go": "package main\n\nfunc main() {}\n" },
  });
  await using proxy = await startFaultProxy(
    registry.host,
    ({ method, path }) =>
      method === "PUT" && path === "/v2/attach/manifests/latest"
        ? {
          status: 400,
          body: '{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid"}]}',
        }
        : "pass",
  );
  const r = await ko(["build", "--bare", "--sbom=spdx", "./cmd/app"], {
    cwd: src,
    env: { KO_DOCKER_REPO: `${proxy.host}/attach`, KO_DEFAULTBASEIMAGE: "scratch" },
  });
  equal(r.code, 1, r.stderr);
  match(r.stderr, /PUT 127\.0\.0\.1:\d+\/attach manifest latest: MANIFEST_INVALID/);
  // The image's manifest was the only manifest ko tried to put.
  deepEqual(
    proxy.requests.filter((q) => q.method === "PUT" && q.path.includes("/manifests/"))
      .map((q) => `${q.outcome} ${q.path}`),
    ["400 /v2/attach/manifests/latest"],
  );
  const tags = await fetch(`${registry.url}/v2/attach/tags/list`);
  equal(tags.status, 404, await tags.text()); // the repository has no tag at all
});
