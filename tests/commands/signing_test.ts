/**
 * Where a run signs: the key by precedence (flag, KO_SIGN_KEY, .ko.yaml), and never for
 * ko.local or kind.local, which keep no signatures (one warning, the key not even opened).
 */
import { equal, match } from "node:assert/strict";
import { processContext } from "../../src/commands/context.ts";
import type { PublishOptions } from "../../src/commands/options.ts";
import { openSigning } from "../../src/commands/signing.ts";
import { setLogSink } from "../../src/util/log.ts";
import { memoryWriter } from "../../src/util/writer.ts";

const OPTIONS: PublishOptions = {
  tags: ["latest"],
  tagOnly: false,
  push: true,
  local: false,
  insecureRegistry: false,
  ociLayoutPath: "",
  tarball: "",
  imageRefs: "",
  preserveImportPaths: false,
  baseImportPaths: false,
  bare: false,
  signKey: "",
};

async function open(env: Record<string, string>, options: Partial<PublishOptions> = {}) {
  const lines: string[] = [];
  const restore = setLogSink((l) => lines.push(l));
  try {
    const ctx = processContext({ env, cwd: "/nonexistent", stderr: memoryWriter() });
    const signing = await openSigning(ctx, { ...OPTIONS, ...options }, {});
    return { signing, lines };
  } finally {
    restore();
  }
}

Deno.test("ko.local and kind.local are never signed: one warning, the key left unread", async () => {
  for (
    const [env, options, target] of [
      [{ KO_DOCKER_REPO: "ko.local" }, { signKey: "missing.key" }, "ko.local"],
      [{ KO_DOCKER_REPO: "kind.local/x", KO_SIGN_KEY: "missing.key" }, {}, "kind.local"],
      [
        { KO_DOCKER_REPO: "registry.example/x" },
        { local: true, signKey: "missing.key" },
        "ko.local",
      ],
    ] as const
  ) {
    const { signing, lines } = await open({ ...env }, options);
    equal(signing, undefined);
    equal(lines.length, 1);
    match(
      lines[0]!,
      new RegExp(`WARNING: (--sign-key|KO_SIGN_KEY): images loaded into ${target} are not signed`),
    );
  }
});

Deno.test("no key, no signing; the flag wins over KO_SIGN_KEY", async () => {
  equal((await open({ KO_DOCKER_REPO: "registry.example/x" })).signing, undefined);
  const err = await open(
    { KO_DOCKER_REPO: "registry.example/x", KO_SIGN_KEY: "env.key" },
    { signKey: "flag.key" },
  ).catch((e: Error) => e.message);
  match(String(err), /^--sign-key "flag\.key": cannot read the key file/);
});
