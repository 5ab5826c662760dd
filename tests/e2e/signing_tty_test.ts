/**
 * The password of an encrypted key typed at a real terminal (a tmux pane running `./ko`):
 * without COSIGN_PASSWORD, ko asks on the terminal, reads without echo, and signs.
 */
import { equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { programsMissing, requires } from "../helpers/requires.ts";
import { run, runOk, tempDir, waitFor } from "../helpers/tools.ts";
import { makeKeys } from "./signing_keys.ts";

const KO = fileURLToPath(new URL("../../ko", import.meta.url));

Deno.test({
  ...requires(
    "the key's password is asked for at a terminal, without echo",
    programsMissing("tmux"),
  ),
  async fn() {
    await using tmp = await tempDir();
    const keys = await makeKeys(tmp.path);
    const src = await writeGoApp(join(tmp.path, "src"), {
      module: "example.com/typed",
      files: { "main.go": PRINT_KODATA_MAIN },
    });
    const layout = join(tmp.path, "layout");
    const done = join(tmp.path, "exit");
    const session = `ko-sign-${Deno.pid}`;
    const command = [
      `cd '${src}'`,
      `env -u COSIGN_PASSWORD KO_DEFAULTBASEIMAGE=scratch '${KO}' build --push=false ` +
      `--oci-layout-path '${layout}' --platform=linux/amd64 --sign-key '${keys.encrypted.key}' . ` +
      `; echo $? > '${done}'; sleep 600`,
    ].join(" && ");
    await runOk("tmux", ["new-session", "-d", "-s", session, "-x", "200", "-y", "50", command]);
    const pane = async () =>
      (await runOk("tmux", ["capture-pane", "-p", "-t", session, "-S", "-50"])).stdout;
    try {
      await waitFor(
        "the password prompt",
        async () => /Enter password for private key .*cosign\.key:/.test(await pane()) || undefined,
        { timeoutMs: 60_000 },
      );
      await runOk("tmux", ["send-keys", "-t", session, "-l", keys.password]);
      await runOk("tmux", ["send-keys", "-t", session, "Enter"]);
      const code = await waitFor(
        "ko to finish",
        () => Deno.readTextFile(done).then((t) => t.trim(), () => undefined),
        { timeoutMs: 120_000 },
      );
      const screen = await pane();
      equal(code, "0", screen);
      equal(screen.includes(keys.password), false, "the password was echoed");
      match(screen, /layout@sha256:[0-9a-f]{64}/);
      const entries = JSON.parse(await Deno.readTextFile(join(layout, "index.json"))).manifests;
      ok(
        entries.some((e: { artifactType?: string }) =>
          e.artifactType === "application/vnd.dev.cosign.artifact.sig.v1+json"
        ),
      );
    } finally {
      await run("tmux", ["kill-session", "-t", session]);
    }
  },
});
