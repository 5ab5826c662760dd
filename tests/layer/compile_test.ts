import { equal, match, ok } from "node:assert/strict";
import { denortUnavailableReason } from "../helpers/denort.ts";
import { requires } from "../helpers/requires.ts";

const root = new URL("../../", import.meta.url).pathname;

Deno.test("the layer worker is started from a static URL that deno compile can include", async () => {
  const pool = await Deno.readTextFile(`${root}src/layer/worker_pool.ts`);
  match(pool, /new Worker\(new URL\("\.\/layer_worker\.ts", import\.meta\.url\)/);
  const config = JSON.parse(await Deno.readTextFile(`${root}deno.json`));
  match(config.tasks.compile, /--include src\/layer\/layer_worker\.ts/);
});

Deno.test({
  ...requires(
    "a compiled program builds a layer in its bundled worker (needs the denort runtime)",
    await denortUnavailableReason(),
  ),
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "ko-compile-test-" });
    try {
      const main = `${dir}/main.ts`;
      await Deno.writeTextFile(
        main,
        `import { buildLayer } from "${root}src/layer/compress.ts";\n` +
          `import { closeLayerPool } from "${root}src/layer/worker_pool.ts";\n` +
          `const b = await buildLayer([{ type: "file", name: "f", mode: 0o644, bytes: new Uint8Array(1 << 21).fill(7) }]);\n` +
          `console.log(b.diffId);\ncloseLayerPool();\n`,
      );
      const compiled = await new Deno.Command(Deno.execPath(), {
        args: [
          "compile",
          "-A",
          "--include",
          `${root}src/layer/layer_worker.ts`,
          "-o",
          `${dir}/app`,
          main,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      equal(
        compiled.success,
        true,
        `deno compile failed: ${new TextDecoder().decode(compiled.stderr)}`,
      );
      const run = await new Deno.Command(`${dir}/app`, { stdout: "piped", stderr: "piped" })
        .output();
      equal(run.success, true, new TextDecoder().decode(run.stderr));
      ok(new TextDecoder().decode(run.stdout).startsWith("sha256:"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
