/**
 * `ko login` end to end: credentials stored in a private docker config are all a later
 * `ko build` needs to push to a real basic-auth registry (Debian's docker-registry).
 */
import { equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { startRegistry } from "../helpers/registry_server.ts";
import { skopeoInspect, tempDir } from "../helpers/tools.ts";
import { ko } from "../helpers/ko_cli.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";

Deno.test("ko login stores credentials a later push uses", async (t) => {
  await using registry = await startRegistry({ mode: "basic" });
  await using tmp = await tempDir();
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/login",
    files: { "main.go": PRINT_KODATA_MAIN, "kodata/hello.txt": "hi\n" },
  });
  const dockerConfig = join(tmp.path, "docker");
  const env = {
    DOCKER_CONFIG: dockerConfig,
    KO_DOCKER_REPO: `${registry.host}/private`,
    KO_DEFAULTBASEIMAGE: "scratch",
  };
  const password = registry.password!;

  await t.step("without credentials the push is refused", async () => {
    const r = await ko(["build", "--bare", "."], { cwd: src, env });
    equal(r.code, 1);
    match(r.stderr, /UNAUTHORIZED|401/);
    ok(
      r.stderr.includes(`no credentials for ${registry.host} were found: log in with "ko login`),
      r.stderr,
    );
  });

  await t.step("a wrong password is stored but the push still fails", async () => {
    const r = await ko(["login", registry.host, "-u", registry.username!, "-p", "wrong"], {
      cwd: src,
      env,
    });
    equal(r.code, 0, r.stderr);
    const push = await ko(["build", "--bare", "."], { cwd: src, env });
    equal(push.code, 1);
    // Says which credentials were refused, so a stale or mistyped login is easy to spot.
    ok(
      push.stderr.includes(
        `the credentials for ${registry.host} from ${dockerConfig}/config.json (${registry.host}) were refused`,
      ),
      push.stderr,
    );
    ok(!push.stderr.includes("wrong"), "the password is never shown");
  });

  await t.step("--password-stdin logs in and logs the config file", async () => {
    const r = await ko(["login", registry.host, "-u", registry.username!, "--password-stdin"], {
      cwd: src,
      env,
      stdin: `${password}\n`,
    });
    equal(r.code, 0, r.stderr);
    match(r.stderr, new RegExp(`logged in via ${join(dockerConfig, "config.json")}\\n`));
    ok(!r.stderr.includes(password), "the password is never printed");
    const config = JSON.parse(await Deno.readTextFile(join(dockerConfig, "config.json")));
    const auth = config.auths[registry.host].auth as string;
    equal(atob(auth), `${registry.username}:${password}`);
    equal((await Deno.stat(join(dockerConfig, "config.json"))).mode! & 0o777, 0o600);
  });

  await t.step("the stored credentials are all the push needs", async () => {
    const r = await ko(["build", "--bare", "."], { cwd: src, env });
    equal(r.code, 0, r.stderr);
    const ref = r.stdout.trim();
    match(ref, new RegExp(`^${registry.host}/private@sha256:[0-9a-f]{64}$`));
    ok(!r.stderr.includes(password));
    const inspected = await skopeoInspect(ref, { creds: `${registry.username}:${password}` });
    equal(inspected.Digest, ref.split("@")[1]);
  });

  await t.step("docker.io is stored under Docker Hub's key", async () => {
    const r = await ko(["login", "docker.io", "-u", "me", "-p", "token"], { cwd: src, env });
    equal(r.code, 0, r.stderr);
    const config = JSON.parse(await Deno.readTextFile(join(dockerConfig, "config.json")));
    equal(atob(config.auths["https://index.docker.io/v1/"].auth), "me:token");
    ok(config.auths[registry.host], "other entries are kept");
  });
});
