/**
 * Git facts for the template `Git` value, gathered as ko does with
 * `git -c log.showSignature=false …` in the build directory. Problems are logged, never fatal:
 * without git, outside a repository or without a commit every string is empty, `CommitDate` is
 * `0001-01-01T00:00:00Z` and `TreeState` is `clean`; without tags `Tag` is `v0.0.0`. Results
 * are memoised per directory for the life of the process (ko asks again for every platform).
 */
import { info } from "../util/log.ts";
import type { Memo } from "../util/memo.ts";
import { lookPath, runProgram } from "../util/command.ts";
import { formatRfc3339Utc } from "./epoch_env.ts";

/** The `Git` template value. */
interface GitInfo {
  Branch: string;
  Tag: string;
  ShortCommit: string;
  FullCommit: string;
  /** RFC 3339 in UTC. */
  CommitDate: string;
  /** Unix seconds (an int64 to templates). */
  CommitTimestamp: bigint;
  IsDirty: boolean;
  IsClean: boolean;
  /** `clean` or `dirty`. */
  TreeState: string;
}

/** Go's zero time, in Unix seconds. */
export const ZERO_TIME_SECONDS = -62135596800;

/** ko's messages for the conditions it logs. */
const GIT_MESSAGES = {
  noGit: "git not present in PATH. Git info will not be available",
  notRepository: "current folder is not a git repository. Git info will not be available",
  noTag: "git doesn't contain any tags. Tag info will not be available",
  dirty: (status: string) =>
    `git is in a dirty state\nPlease check in your pipeline what can be changing the following files:\n${status}\n`,
};

interface Facts {
  branch: string;
  tag: string;
  short: string;
  full: string;
  date: number;
  dirty: boolean;
}

const EMPTY: Facts = {
  branch: "",
  tag: "",
  short: "",
  full: "",
  date: ZERO_TIME_SECONDS,
  dirty: false,
};

function toInfo(f: Facts): GitInfo {
  return {
    Branch: f.branch,
    Tag: f.tag,
    ShortCommit: f.short,
    FullCommit: f.full,
    CommitDate: formatRfc3339Utc(f.date),
    CommitTimestamp: BigInt(f.date),
    IsDirty: f.dirty,
    IsClean: !f.dirty,
    TreeState: f.dirty ? "dirty" : "clean",
  };
}

/**
 * The git facts of `dir`, found with the `git` on `env.PATH` and run with `env`, once per
 * directory for `memo` (a run's). Logs what ko logs (no git, not a repository, no tags, dirty
 * tree) the first time a directory is asked.
 */
export function gitInfo(
  dir: string,
  env: Readonly<Record<string, string | undefined>>,
  memo: Memo<unknown>,
): Promise<GitInfo> {
  const git = lookPath("git", env);
  return memo.get(
    `git\0${git ?? ""}\0${dir}`,
    () => collect(git, dir, env).then(toInfo),
  ) as Promise<
    GitInfo
  >;
}

async function collect(
  git: string | undefined,
  dir: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Facts> {
  if (!git) {
    info(GIT_MESSAGES.noGit);
    return EMPTY;
  }
  const run = async (...args: string[]): Promise<{ ok: boolean; out: string; err: string }> => {
    const r = await runProgram(git, ["-c", "log.showSignature=false", ...args], { cwd: dir, env });
    return { ok: r.code === 0, out: r.stdout, err: r.stderr.replace(/\n$/, "") };
  };
  // ko's clean(): the first line, with single quotes removed.
  const firstLine = (s: string) => (s.split("\n")[0] ?? "").replaceAll("'", "");

  const repo = await run("rev-parse", "--is-inside-work-tree");
  if (!repo.ok || repo.out.trim() !== "true") {
    info(GIT_MESSAGES.notRepository);
    return EMPTY;
  }
  const branch = await run("rev-parse", "--abbrev-ref", "HEAD", "--quiet");
  if (!branch.ok) {
    info(`couldn't get current branch: ${branch.err}`);
    return EMPTY;
  }
  const short = await run("show", "--format=%h", "HEAD", "--quiet");
  const full = short.ok ? await run("show", "--format=%H", "HEAD", "--quiet") : short;
  if (!short.ok || !full.ok) {
    info(`couldn't get current commit: ${(short.ok ? full : short).err}`);
    return EMPTY;
  }
  const ct = await run("show", "--format='%ct'", "HEAD", "--quiet");
  const ctText = firstLine(ct.out);
  if (!ct.ok || (ctText !== "" && !/^-?\d+$/.test(ctText))) {
    info(`couldn't get commit date: ${ct.ok ? `invalid commit time ${ctText}` : ct.err}`);
    return EMPTY;
  }
  const status = await run("status", "--porcelain");
  const dirty = !status.ok || status.out.trim() !== "";
  const describe = await run("describe", "--tags", "--abbrev=0", "HEAD");
  const tag = describe.ok
    ? describe.out.split("\n").map((l) => l.replaceAll("'", "").trim()).find((l) => l !== "") ?? ""
    : "v0.0.0";
  const problems = [
    ...(describe.ok ? [] : [GIT_MESSAGES.noTag]),
    ...(dirty ? [GIT_MESSAGES.dirty(status.out)] : []),
  ];
  if (problems.length) info(problems.join("\n"));
  return {
    branch: firstLine(branch.out),
    tag,
    short: firstLine(short.out),
    full: firstLine(full.out),
    date: ctText === "" ? ZERO_TIME_SECONDS : Number(ctText),
    dirty,
  };
}
