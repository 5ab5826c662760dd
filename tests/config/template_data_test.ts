import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { createTemplateData, goEnv, parseGoEnv } from "../../src/config/template_data.ts";
import { parseTemplate } from "../../src/gotemplate/template.ts";
import { KoError } from "../../src/util/errors.ts";
import { Memo } from "../../src/util/memo.ts";
import { git, GIT_ENV, initRepo } from "./git_fixture.ts";
import { captureLogs, goEnvironment, withTempDir } from "./helpers.ts";

const processEnv = { ...goEnvironment(), ...GIT_ENV };

/** The inputs of one build's template data, remembering nothing from other calls. */
function input(dir: string, env: Record<string, string>, creationTime?: number) {
  return { env, dir, cwd: dir, goPath: "go", processEnv, creationTime, memo: new Memo() };
}

/** Parses and runs a template in one step. */
function executeTemplate(name: string, text: string, data: unknown): string {
  return parseTemplate(name, text).execute(data);
}

Deno.test("template data: Env is the build env with LDFLAGS pre-seeded", async () => {
  await withTempDir(async (dir) => {
    const { result: data } = await captureLogs(() =>
      createTemplateData(input(dir, { FOO: "bar", GOOS: "linux" }, 0))
    );
    const env = data.Env as Record<string, string>;
    equal(env.FOO, "bar");
    equal(env.LDFLAGS, "");
    equal(executeTemplate("t", "[{{.Env.LDFLAGS}}] {{.Env.FOO}}", data), "[] bar");
    const withLdflags = await createTemplateData(input(dir, { LDFLAGS: "-s" }, 0));
    equal((withLdflags.Env as Record<string, string>).LDFLAGS, "-s");
  });
});

Deno.test("template data: GoEnv comes from go env and is overridden by Env", async () => {
  await withTempDir(async (dir) => {
    const { result: data } = await captureLogs(() =>
      createTemplateData(input(dir, { GOOS: "windows", GOARCH: "arm64", NOT_GO: "x" }, 0))
    );
    const goenv = data.GoEnv as Record<string, string>;
    equal(goenv.GOOS, "windows");
    equal(goenv.GOARCH, "arm64");
    ok(goenv.GOROOT && goenv.GOROOT.startsWith("/"), "GOROOT without quotes");
    equal(goenv.NOT_GO, undefined);
    match(executeTemplate("t", "{{.GoEnv.GOVERSION}}", data), /^go1\.\d+/);
  });
});

Deno.test("template data: Date and Timestamp come from the creation time, in UTC", async () => {
  await withTempDir(async (dir) => {
    const { result: data } = await captureLogs(() =>
      createTemplateData(input(dir, {}, 1706933106))
    );
    equal(data.Date, "2024-02-03T04:05:06Z");
    equal(data.Timestamp, 1706933106n);
    equal(
      executeTemplate("t", "{{.Date}} {{.Timestamp}}", data),
      "2024-02-03T04:05:06Z 1706933106",
    );
  });
});

Deno.test("template data: Date defaults to now", async () => {
  await withTempDir(async (dir) => {
    const before = Math.floor(Date.now() / 1000);
    const { result: data } = await captureLogs(() => createTemplateData(input(dir, {})));
    const after = Math.floor(Date.now() / 1000);
    const ts = Number(data.Timestamp);
    ok(ts >= before && ts <= after);
    equal(data.Date, new Date(ts * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"));
  });
});

Deno.test("template data: Git fields from a real repository, empty outside one", async () => {
  await withTempDir(async (dir) => {
    const { result: outside } = await captureLogs(() => createTemplateData(input(dir, {}, 0)));
    equal(
      executeTemplate(
        "t",
        "[{{.Git.Branch}}][{{.Git.Tag}}]{{.Git.TreeState}} {{.Git.CommitTimestamp}}",
        outside,
      ),
      "[][]clean -62135596800",
    );
    await initRepo(dir);
    await git(dir, "tag", "v0.0.1");
    const { result: inside } = await captureLogs(() => createTemplateData(input(dir, {}, 0)));
    equal(
      executeTemplate(
        "t",
        "{{.Git.Branch}} {{.Git.Tag}} {{.Git.CommitDate}} {{.Git.IsClean}}",
        inside,
      ),
      "main v0.0.1 2024-02-03T04:05:06Z true",
    );
  });
});

Deno.test("parseGoEnv strips one pair of quotes and rejects lines without '='", () => {
  deepEqual(parseGoEnv("GOOS='linux'\nGOARCH=\"amd64\"\nCC=gcc\nGOFLAGS=''\nX='a'b'\n"), {
    GOOS: "linux",
    GOARCH: "amd64",
    CC: "gcc",
    GOFLAGS: "",
    X: "a'b",
  });
  throws(
    () => parseGoEnv("A=1\nnonsense\n"),
    (e: unknown) => e instanceof KoError && e.message === "go env: failed parsing line: 2",
  );
});

Deno.test("goEnv fails clearly for a go binary that does not work", async () => {
  await withTempDir(async (dir) => {
    const messageOf = async (goPath: string, env = processEnv) => {
      try {
        await goEnv(goPath, dir, env, new Memo());
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    };
    equal(
      await messageOf("/nonexistent/go"),
      'go env: cannot run "/nonexistent/go": not found (check KO_GO_PATH)',
    );
    equal(
      await messageOf("go", { ...processEnv, PATH: dir }),
      'go env: cannot run "go": not found (is Go installed and on PATH?)',
    );
    const failing = `${dir}/failing-go`;
    await Deno.writeTextFile(failing, "#!/bin/sh\necho broken >&2\nexit 3\n");
    await Deno.chmod(failing, 0o755);
    equal(await messageOf(failing), "go env: exit status 3: broken");
  });
});

Deno.test("template Date does not depend on TZ (checked in subprocesses)", async () => {
  const module = new URL("../../src/config/template_data.ts", import.meta.url).href;
  await withTempDir(async (dir) => {
    const memo = new URL("../../src/util/memo.ts", import.meta.url).href;
    const code = `import { createTemplateData } from ${JSON.stringify(module)};
import { Memo } from ${JSON.stringify(memo)};
const d = await createTemplateData({ env: {}, dir: ${JSON.stringify(dir)}, cwd: ${
      JSON.stringify(dir)
    }, goPath: "go", processEnv: Deno.env.toObject(), creationTime: 1706933106, memo: new Memo() });
console.log(d.Date);`;
    for (const tz of ["UTC", "Asia/Tokyo"]) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["eval", "--no-config", code],
        env: { ...processEnv, TZ: tz },
        stdout: "piped",
        stderr: "piped",
      }).output();
      equal(out.success, true, new TextDecoder().decode(out.stderr));
      equal(new TextDecoder().decode(out.stdout).trim(), "2024-02-03T04:05:06Z", `TZ=${tz}`);
    }
  });
});

Deno.test("every Git template variable, for each state of a real repository", async () => {
  const all = "{{.Git.Branch}}|{{.Git.Tag}}|{{len .Git.ShortCommit}}|{{len .Git.FullCommit}}|" +
    "{{.Git.CommitDate}}|{{.Git.CommitTimestamp}}|{{.Git.IsDirty}}|{{.Git.IsClean}}|" +
    "{{.Git.TreeState}}";
  const render = async (dir: string) => {
    const { result } = await captureLogs(() => createTemplateData(input(dir, {}, 0)));
    return executeTemplate("argsTmpl", all, result);
  };
  await withTempDir(async (dir) => {
    const none = "||0|0|0001-01-01T00:00:00Z|-62135596800|false|true|clean";
    equal(await render(dir), none, "not a repository");
    await initRepo(dir, { commit: false });
    equal(await render(dir), none, "no commits");
    await Deno.writeTextFile(`${dir}/README`, "hello\n");
    await git(dir, "add", "README");
    await git(dir, "commit", "-q", "-m", "first");
    const short = (await git(dir, "rev-parse", "--short", "HEAD")).trim().length;
    const committed = `2024-02-03T04:05:06Z|1706933106`;
    equal(await render(dir), `main|v0.0.0|${short}|40|${committed}|false|true|clean`, "no tags");
    await git(dir, "tag", "v0.0.1");
    equal(await render(dir), `main|v0.0.1|${short}|40|${committed}|false|true|clean`, "tagged");
    await Deno.writeTextFile(`${dir}/README`, "changed\n");
    equal(await render(dir), `main|v0.0.1|${short}|40|${committed}|true|false|dirty`, "dirty");
  });
});
