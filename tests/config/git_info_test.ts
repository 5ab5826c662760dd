import { deepEqual, equal, match, ok } from "node:assert/strict";
import { gitInfo, ZERO_TIME_SECONDS } from "../../src/config/git_info.ts";
import { Memo } from "../../src/util/memo.ts";
import { COMMIT_SECONDS, git, GIT_ENV, initRepo } from "./git_fixture.ts";
import { captureLogs, withTempDir } from "./helpers.ts";

const ENV = { ...Deno.env.toObject(), ...GIT_ENV };

const EMPTY = {
  Branch: "",
  Tag: "",
  ShortCommit: "",
  FullCommit: "",
  CommitDate: "0001-01-01T00:00:00Z",
  CommitTimestamp: BigInt(ZERO_TIME_SECONDS),
  IsDirty: false,
  IsClean: true,
  TreeState: "clean",
};

async function infoOf(dir: string, env: Record<string, string> = ENV) {
  return await captureLogs(() => gitInfo(dir, env, new Memo()));
}

Deno.test("gitInfo outside a repository gives empty values and logs it", async () => {
  await withTempDir(async (dir) => {
    const { result, lines } = await infoOf(dir);
    deepEqual(result, EMPTY);
    equal(lines.length, 1);
    match(lines[0]!, /current folder is not a git repository\. Git info will not be available$/);
  });
});

Deno.test("gitInfo without git on PATH gives empty values and logs it", async () => {
  await withTempDir(async (dir) => {
    await initRepo(dir);
    const { result, lines } = await infoOf(dir, { ...ENV, PATH: "/nonexistent" });
    deepEqual(result, EMPTY);
    match(lines[0]!, /git not present in PATH\. Git info will not be available$/);
  });
});

Deno.test("gitInfo in a repository without commits gives empty values and logs the error", async () => {
  await withTempDir(async (dir) => {
    await initRepo(dir, { commit: false });
    const { result, lines } = await infoOf(dir);
    deepEqual(result, EMPTY);
    match(lines[0]!, /couldn't get current branch: /);
  });
});

Deno.test("gitInfo without tags gives v0.0.0 and logs that tags are missing", async () => {
  await withTempDir(async (dir) => {
    await initRepo(dir);
    const full = (await git(dir, "rev-parse", "HEAD")).trim();
    const { result, lines } = await infoOf(dir);
    deepEqual(result, {
      Branch: "main",
      Tag: "v0.0.0",
      ShortCommit: full.slice(0, result.ShortCommit.length),
      FullCommit: full,
      CommitDate: "2024-02-03T04:05:06Z",
      CommitTimestamp: BigInt(COMMIT_SECONDS),
      IsDirty: false,
      IsClean: true,
      TreeState: "clean",
    });
    ok(result.ShortCommit.length >= 7);
    deepEqual(lines.map((l) => l.replace(/^\S+ \S+ /, "")), [
      "git doesn't contain any tags. Tag info will not be available",
    ]);
  });
});

Deno.test("gitInfo with a tag gives it, with branch and commit", async () => {
  await withTempDir(async (dir) => {
    await initRepo(dir);
    await git(dir, "tag", "v0.0.1");
    await Deno.writeTextFile(`${dir}/more`, "x\n");
    await git(dir, "add", "more");
    await git(dir, "commit", "-q", "-m", "second");
    await git(dir, "tag", "-a", "-m", "annotated", "v0.0.2");
    const { result, lines } = await infoOf(dir);
    equal(result.Tag, "v0.0.2");
    equal(result.Branch, "main");
    equal(result.TreeState, "clean");
    deepEqual(lines, []);
  });
});

Deno.test("gitInfo in a dirty tree reports dirty and logs the status", async () => {
  await withTempDir(async (dir) => {
    await initRepo(dir);
    await git(dir, "tag", "v1.0.0");
    await Deno.writeTextFile(`${dir}/README`, "changed\n");
    await Deno.writeTextFile(`${dir}/untracked`, "new\n");
    const { result, lines } = await infoOf(dir);
    equal(result.Tag, "v1.0.0");
    equal(result.IsDirty, true);
    equal(result.IsClean, false);
    equal(result.TreeState, "dirty");
    const text = lines.join("\n");
    match(
      text,
      /git is in a dirty state\nPlease check in your pipeline what can be changing the following files:\n M README\n\?\? untracked\n/,
    );
  });
});

Deno.test("gitInfo works from a subdirectory and on a detached HEAD", async () => {
  await withTempDir(async (dir) => {
    await initRepo(dir);
    await git(dir, "tag", "v2.0.0");
    await git(dir, "checkout", "-q", "--detach");
    await Deno.mkdir(`${dir}/sub`);
    const { result } = await infoOf(`${dir}/sub`);
    equal(result.Branch, "HEAD");
    equal(result.Tag, "v2.0.0");
  });
});

Deno.test("gitInfo is asked once per directory in a run", async () => {
  await withTempDir(async (dir) => {
    await initRepo(dir);
    await git(dir, "tag", "v1.0.0");
    const memo = new Memo<unknown>();
    const first = await gitInfo(dir, ENV, memo);
    await git(dir, "tag", "v9.0.0");
    equal((await gitInfo(dir, ENV, memo)).Tag, first.Tag);
  });
});
