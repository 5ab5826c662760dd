import { equal, match, ok } from "node:assert/strict";
import { ko } from "./harness.ts";
import { programsMissing, requires } from "../helpers/requires.ts";

const VERBS = [
  "apply",
  "build",
  "completion",
  "create",
  "delete",
  "deps",
  "help",
  "login",
  "publish",
  "resolve",
  "run",
  "version",
];

/** Runs `<shell> -n` on a script and fails with the shell's complaint if it rejects it. */
async function syntaxCheck(shell: string, args: string[], script: string): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/completion`;
    await Deno.writeTextFile(file, script);
    const out = await new Deno.Command(shell, { args: [...args, file] }).output();
    const err = new TextDecoder().decode(out.stderr);
    equal(out.code, 0, `${shell} rejected the script: ${err}`);
    equal(err, "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function script(shell: string, ...flags: string[]): Promise<string> {
  const run = await ko(["completion", shell, ...flags]);
  equal(run.code, 0, run.stderr);
  equal(run.stderr, "");
  return run.stdout;
}

Deno.test("the bash script defines a completion function and names every verb", async () => {
  const bash = await script("bash");
  match(bash, /^__ko_complete\(\) \{$/m);
  match(bash, /^complete -o default -F __ko_complete ko$/m);
  for (const verb of VERBS) ok(bash.includes(verb), verb);
  for (const flag of ["--tags", "--push", "--platform", "--kubeconfig", "--password-stdin"]) {
    ok(bash.includes(flag), flag);
  }
  match(bash, /--sbom\) __ko_reply -W "spdx cyclonedx go\.version-m none"/);
});

Deno.test("bash -n accepts the bash script", async () => {
  await syntaxCheck("bash", ["-n"], await script("bash"));
});

Deno.test("the bash script completes verbs, flags and flag values when run", async () => {
  const bash = await script("bash");
  const probe = `${bash}
complete_line() {
  COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()
  __ko_complete
  printf '%s\\n' "\${COMPREPLY[@]}" | sort | tr '\\n' ' '; echo
}
complete_line ko bu
complete_line ko build --ta
complete_line ko publish --sbom c
complete_line ko completion z
complete_line ko -v resolve -
`;
  const out = await new Deno.Command("bash", { args: ["-c", probe] }).output();
  const lines = new TextDecoder().decode(out.stdout).split("\n");
  equal(out.code, 0, new TextDecoder().decode(out.stderr));
  equal(lines[0], "build ");
  equal(lines[1], "--tag-only --tags --tarball ");
  equal(lines[2], "cyclonedx ");
  equal(lines[3], "zsh ");
  const words = lines[4]!.trim().split(" ");
  for (const flag of ["-f", "--filename", "-l", "--selector", "-v", "--verbose", "-h"]) {
    ok(words.includes(flag), flag);
  }
});

Deno.test({
  ...requires("the zsh script is a #compdef function zsh -n accepts", programsMissing("zsh")),
}, async () => {
  const zsh = await script("zsh");
  match(zsh, /^#compdef ko\n/);
  for (const verb of VERBS) ok(zsh.includes(verb), verb);
  await syntaxCheck("zsh", ["-n"], zsh);
});

Deno.test({
  ...requires(
    "the fish script completes every verb and fish -n accepts it",
    programsMissing("fish"),
  ),
}, async () => {
  const fish = await script("fish");
  for (const verb of VERBS) match(fish, new RegExp(`-a ${verb}\\b`));
  await syntaxCheck("fish", ["-n"], fish);
});

Deno.test("the powershell script registers a native completer with every verb", async () => {
  const ps = await script("powershell");
  match(ps, /Register-ArgumentCompleter -Native -CommandName 'ko'/);
  for (const verb of VERBS) ok(ps.includes(`'${verb}' = `), verb);
});

Deno.test("--no-descriptions leaves descriptions out", async () => {
  const full = await script("fish");
  const bare = await script("fish", "--no-descriptions");
  ok(full.includes(" -d '"));
  equal(bare.includes(" -d '"), false);
});

Deno.test("ko completion needs exactly one known shell", async () => {
  for (const argv of [["completion"], ["completion", "tcsh"], ["completion", "bash", "zsh"]]) {
    const run = await ko(argv);
    equal(run.code, 1, argv.join(" "));
    match(run.stderr, /^Error: ko completion needs one shell: bash, zsh, fish, or powershell/);
  }
});
