/**
 * What kubectl is given when ko runs as a real process: ko's own stdin, stdout and stderr
 * (so a terminal stays a terminal, as `ko run … -- -it` needs), except for apply and create,
 * whose stdin is the pipe carrying the YAML. A FAKE kubectl records what its file
 * descriptors 0, 1 and 2 point at (no cluster is needed for that).
 */
import { equal, match } from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));

const FAKE = `#!/bin/sh
i=$(readlink /proc/$$/fd/0) o=$(readlink /proc/$$/fd/1) e=$(readlink /proc/$$/fd/2)
printf '%s\\n' "$i" "$o" "$e" > "$FAKE_KUBECTL_FDS"
cat > /dev/null
`;

/** Runs `deno run main.ts <args>` with stdin, stdout and stderr redirected to files in `dir`. */
async function koWithFiles(dir: string, args: string[]): Promise<string[]> {
  await Deno.mkdir(join(dir, "bin"), { recursive: true });
  await Deno.writeTextFile(join(dir, "bin", "kubectl"), FAKE, { mode: 0o755 });
  await Deno.writeTextFile(join(dir, "in"), "");
  const quoted = [Deno.execPath(), "run", "-A", join(root, "main.ts"), ...args]
    .map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  const status = await new Deno.Command("sh", {
    args: ["-c", `exec ${quoted} < in > out 2> err`],
    cwd: dir,
    env: {
      PATH: `${join(dir, "bin")}:${Deno.env.get("PATH")}`,
      FAKE_KUBECTL_FDS: join(dir, "fds"),
      KO_DOCKER_REPO: "registry.example/app",
      KO_DEFAULTBASEIMAGE: "registry.invalid/base", // never fetched: the YAML has no ko://
    },
    stdin: "null",
  }).output();
  equal(status.code, 0, await Deno.readTextFile(join(dir, "err")));
  return (await Deno.readTextFile(join(dir, "fds"))).trim().split("\n");
}

Deno.test("ko delete gives kubectl its own stdin, stdout and stderr", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ko-kubectl-" });
  try {
    const fds = await koWithFiles(dir, ["delete", "pod", "x"]);
    equal(fds.join("\n"), ["in", "out", "err"].map((f) => join(dir, f)).join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ko apply gives kubectl its own stdout and stderr, and the YAML on a pipe", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ko-kubectl-" });
  try {
    await Deno.writeTextFile(join(dir, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\n");
    const fds = await koWithFiles(dir, ["apply", "--push=false", "-f", "cm.yaml"]);
    match(fds[0]!, /^pipe:/);
    equal(fds.slice(1).join("\n"), ["out", "err"].map((f) => join(dir, f)).join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
