/**
 * No wait on a registry is unbounded: `ko build` against a registry that accepts connections
 * and never answers, or a base registry that never sends a manifest, ends with exit 1 and one
 * line naming the host, the request and the limit (`KO_REGISTRY_TIMEOUT`, short here), never
 * as an interruption.
 */
import { equal, match } from "node:assert/strict";
import { join } from "node:path";
import { errorLine, ko } from "../helpers/ko_cli.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { startTamperProxy } from "../helpers/tamper_proxy.ts";
import { startSilentListener, tempDir } from "../helpers/tools.ts";

Deno.test("ko build gives up on a silent registry with a timeout, not an interruption", async (t) => {
  await using tmp = await tempDir();
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/waits",
    files: { "cmd/app/main.go": "package main\n\nfunc main() {}\n" },
  });
  const run = (env: Record<string, string>) =>
    ko(["build", "./cmd/app"], { cwd: src, env: { KO_REGISTRY_TIMEOUT: "200ms", ...env } });

  await t.step("KO_DOCKER_REPO on a listener that never answers GET /v2/", async () => {
    await using silent = startSilentListener();
    const host = silent.host;
    const r = await run({ KO_DOCKER_REPO: `${host}/app`, KO_DEFAULTBASEIMAGE: "scratch" });
    equal(r.code, 1, r.stderr);
    match(
      errorLine(r),
      new RegExp(
        `cannot reach registry ${host}: no answer to GET http://${host}/v2/: nothing received ` +
          `for 0\\.2 s \\(KO_REGISTRY_TIMEOUT\\) \\(gave up after 5 attempts\\)$`,
      ),
    );
    equal(r.stdout, "");
  });

  await t.step("a base registry that never sends the manifest", async () => {
    await using registry = await startRegistry();
    const bases = await pushFixtureBases(registry);
    for (const action of ["stall", "stall-body"] as const) {
      await using proxy = await startTamperProxy(
        registry.host,
        ({ method, path }) => method === "GET" && path.includes("/manifests/") ? action : "pass",
      );
      const r = await run({
        KO_DOCKER_REPO: `${registry.host}/app`,
        KO_DEFAULTBASEIMAGE: `${proxy.host}/${bases.ociImage.repo}:latest`,
      });
      equal(r.code, 1, r.stderr);
      const url = `http://${proxy.host}/v2/${bases.ociImage.repo}/manifests/latest`;
      const what = action === "stall"
        ? `no answer to GET ${url}`
        : `the answer to GET ${url} stalled`;
      match(
        errorLine(r),
        new RegExp(`cannot reach registry ${proxy.host}: ${what}: nothing received for 0\\.2 s`),
      );
    }
  });

  await t.step(
    "a KO_REGISTRY_TIMEOUT that is not a duration is refused before building",
    async () => {
      const r = await run({ KO_REGISTRY_TIMEOUT: "soon", KO_DOCKER_REPO: "127.0.0.1:1/app" });
      equal(r.code, 1);
      equal(
        errorLine(r),
        'Error: KO_REGISTRY_TIMEOUT="soon": expected a duration such as 30s, 500ms or 2m',
      );
      equal(r.stderr.includes("Building"), false, r.stderr);
    },
  );
});
