/**
 * A stand-in `kubectl` for tests of ko apply/create/delete/run. No Kubernetes API server can
 * run on these machines (no kube-apiserver, kind or k3s package; see tests/e2e/kubectl_test.ts),
 * so this FAKE records what ko gives kubectl instead: every invocation's argv (one argument per
 * line), its stdin, and selected environment variables, then prints a line on stdout and on
 * stderr and exits with `$FAKE_KUBECTL_EXIT` (default 0). `$FAKE_KUBECTL_STDIN=ignore` makes it
 * exit without reading stdin (as a kubectl that fails early would).
 */
import { join } from "node:path";

/** One recorded kubectl invocation. */
export interface KubectlCall {
  readonly argv: string[];
  readonly stdin: string;
  /** `KUBECONFIG` as kubectl saw it (shows the environment is passed through). */
  readonly kubeconfigEnv: string;
}

/** A directory holding the fake `kubectl` (put it first on PATH) and its records. */
export interface FakeKubectl {
  /** The directory to prepend to PATH. */
  readonly binDir: string;
  /** Environment for ko: PATH with the fake first, and where it records. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Every invocation so far, in order. */
  calls(): Promise<KubectlCall[]>;
  /** Forgets the recorded invocations. */
  reset(): Promise<void>;
}

const SCRIPT = `#!/bin/sh
dir="$FAKE_KUBECTL_DIR"
n=$(ls "$dir" | grep -c '^argv\\.')
printf '%s\\n' "$@" > "$dir/argv.$n.tmp"
printf '%s' "$KUBECONFIG" > "$dir/env.$n"
if [ "$FAKE_KUBECTL_STDIN" = ignore ]; then
  : > "$dir/stdin.$n"
else
  cat > "$dir/stdin.$n"
fi
mv "$dir/argv.$n.tmp" "$dir/argv.$n"
echo "fake kubectl: $1 done"
echo "fake kubectl: stderr line" >&2
exit "\${FAKE_KUBECTL_EXIT:-0}"
`;

/** Writes the fake kubectl into `dir` (which must exist and be empty). */
export async function writeFakeKubectl(dir: string): Promise<FakeKubectl> {
  const binDir = join(dir, "bin");
  const records = join(dir, "records");
  await Deno.mkdir(binDir, { recursive: true });
  await Deno.mkdir(records, { recursive: true });
  await Deno.writeTextFile(join(binDir, "kubectl"), SCRIPT, { mode: 0o755 });
  return {
    binDir,
    env: (extra = {}) => ({
      PATH: `${binDir}:${Deno.env.get("PATH") ?? ""}`,
      FAKE_KUBECTL_DIR: records,
      ...extra,
    }),
    async calls() {
      const out: KubectlCall[] = [];
      for (let n = 0;; n++) {
        let argv: string;
        try {
          argv = await Deno.readTextFile(join(records, `argv.${n}`));
        } catch {
          return out;
        }
        out.push({
          argv: argv.split("\n").slice(0, -1),
          stdin: await Deno.readTextFile(join(records, `stdin.${n}`)),
          kubeconfigEnv: await Deno.readTextFile(join(records, `env.${n}`)),
        });
      }
    },
    async reset() {
      for await (const e of Deno.readDir(records)) await Deno.remove(join(records, e.name));
    },
  };
}
