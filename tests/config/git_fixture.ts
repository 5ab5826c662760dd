/** Real git repositories in temp dirs for the git and template tests. */

/** Fixed identity and dates so commits are reproducible. */
export const GIT_ENV: Record<string, string> = {
  GIT_AUTHOR_NAME: "ko test",
  GIT_AUTHOR_EMAIL: "ko@example.com",
  GIT_COMMITTER_NAME: "ko test",
  GIT_COMMITTER_EMAIL: "ko@example.com",
  GIT_AUTHOR_DATE: "2024-02-03T04:05:06Z",
  GIT_COMMITTER_DATE: "2024-02-03T04:05:06Z",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

/** The committer time of commits made with {@link GIT_ENV}. */
export const COMMIT_SECONDS = 1706933106;

/** Runs git in dir; throws with stderr on failure; returns stdout. */
export async function git(dir: string, ...args: string[]): Promise<string> {
  const out = await new Deno.Command("git", {
    args,
    cwd: dir,
    env: GIT_ENV,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`git ${args.join(" ")}: ${dec.decode(out.stderr)}`);
  return dec.decode(out.stdout);
}

/** `git init -b main` with one committed file. */
export async function initRepo(dir: string, opts: { commit?: boolean } = {}): Promise<void> {
  await git(dir, "init", "-q", "-b", "main");
  if (opts.commit === false) return;
  await Deno.writeTextFile(`${dir}/README`, "hello\n");
  await git(dir, "add", "README");
  await git(dir, "commit", "-q", "-m", "first");
}
