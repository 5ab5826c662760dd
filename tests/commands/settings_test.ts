/**
 * Where a build session lists and builds each package (src/commands/settings.ts), through the
 * real CLI and real `go list` / `go build` on the multi-module fixture.
 */
import { equal, match } from "node:assert/strict";
import { ko } from "../helpers/ko_cli.ts";

const MULTIMOD = new URL("../testdata/config/multimod", import.meta.url).pathname;
const CONFIG = new URL("../testdata/config/multimod.ko.yaml", import.meta.url).pathname;

Deno.test("a local path qualified in a build's dir is built there, with the defaults", async () => {
  const env = {
    KO_CONFIG_PATH: CONFIG,
    KO_DEFAULTBASEIMAGE: "scratch",
    GOFLAGS: "-mod=mod",
    GOPROXY: "off",
    GOWORK: "off",
  };
  // ./app/cmd/bar has no build of its own; it lies in the module of the `foo` build (dir app).
  // Before: it was qualified there but then listed in the root module, which fails with "no
  // required module provides package example.com/testapp/cmd/bar".
  const r = await ko(["build", "--push=false", "./app/cmd/bar"], { cwd: MULTIMOD, env });
  equal(r.code, 0, r.stderr);
  match(r.stdout, /^bar-[0-9a-f]{32}:latest@sha256:[0-9a-f]{64}\n$/);
  match(r.stderr, /Building example\.com\/testapp\/cmd\/bar for linux\/amd64/);
  // The foo build's settings are its own: bar gets the defaults.
  equal(r.stderr.includes("Using build config foo for example.com/testapp/cmd/bar"), false);
  // The same for its full import path, which the root module does not have.
  const full = await ko(["build", "--push=false", "example.com/testapp/cmd/bar"], {
    cwd: MULTIMOD,
    env,
  });
  equal(full.code, 0, full.stderr);
  equal(full.stdout, r.stdout);
  // The build's own package still uses its config.
  const foo = await ko(["build", "--push=false", "./app/cmd/foo"], { cwd: MULTIMOD, env });
  equal(foo.code, 0, foo.stderr);
  match(foo.stderr, /Using build config foo for example\.com\/testapp\/cmd\/foo/);
});
