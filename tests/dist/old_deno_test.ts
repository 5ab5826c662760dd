/**
 * A Deno older than the one ko supports (src/version.ts) gets one line naming both versions,
 * not whatever loading newer code would make it say: a real Deno 2.0.0 (from npm) runs ko
 * from a URL, as `deno run -A <url>/main.ts` users would.
 */
import { equal } from "node:assert/strict";
import { denoRelease } from "../helpers/deno_release.ts";
import { serveDirectory } from "../helpers/file_server.ts";
import { requires } from "../helpers/requires.ts";
import { run, tempDir } from "../helpers/tools.ts";
import { MINIMUM_DENO_VERSION, unsupportedDenoMessage } from "../../src/version.ts";
import { ROOT, userMachine } from "./dist_env.ts";

const OLD = "2.0.0";
const old = await denoRelease(OLD);

Deno.test({
  ...requires(
    `Deno ${OLD} is told in one line that ko needs Deno ${MINIMUM_DENO_VERSION}`,
    old.unavailable,
  ),
  async fn() {
    await using server = serveDirectory(ROOT);
    await using tmp = await tempDir("ko-old-deno-");
    const machine = await userMachine(tmp.path);
    const r = await run(old.path!, ["run", "-A", "--quiet", `${server.url}main.ts`, "version"], {
      cwd: tmp.path,
      env: machine.env,
      clearEnv: true,
    });
    equal(r.code, 1);
    equal(r.stdout, "");
    equal(
      r.stderr,
      `Error: ko needs Deno ${MINIMUM_DENO_VERSION} or newer, but this is Deno ${OLD}: ` +
        "upgrade it (deno upgrade)\n",
    );
  },
});

Deno.test("the version check compares numerically and lets newer Denos through", () => {
  for (const v of ["2.9.6", "2.9.10", "2.10.0", "3.0.0", "2.10.0-rc.1", "2.9.6+abc123"]) {
    equal(unsupportedDenoMessage(v), undefined, v);
  }
  for (const v of ["2.9.5", "2.8.10", "1.46.3", "0.0.1"]) {
    equal(
      unsupportedDenoMessage(v),
      `ko needs Deno ${MINIMUM_DENO_VERSION} or newer, but this is Deno ${v}: upgrade it (deno upgrade)`,
    );
  }
});
