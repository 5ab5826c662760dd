/**
 * Credential resolution and storage against real files in temporary directories, and a real
 * credential helper process (`docker-credential-test`, a small shell script speaking the
 * helper protocol) found on PATH.
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import {
  authKeysFor,
  checkCredentialFiles,
  type Credential,
  resolveCredential,
  storeCredentials,
} from "../../src/registry/credentials.ts";
import { normalizeRegistryKey, serverKey } from "../../src/registry/docker_config.ts";
import { KoError } from "../../src/util/errors.ts";
import { tempDir } from "../helpers/tools.ts";

const HELPER = `#!/bin/sh
# A docker credential helper keeping credentials as files next to it.
dir="$(dirname "$0")/creds"
IFS= read -r input || true
case "$1" in
get)
  case "$input" in *broken*) echo "helper exploded" >&2; exit 2;; esac
  key=$(printf '%s' "$input" | tr -c 'A-Za-z0-9' '_')
  if [ -f "$dir/$key.json" ]; then cat "$dir/$key.json"; exit 0; fi
  echo "credentials not found in native keychain"
  exit 1;;
store)
  mkdir -p "$dir"
  printf '%s' "$input" > "$dir/stored.json";;
*) exit 3;;
esac
`;

interface Setup {
  env: (name: string) => string | undefined;
  vars: Record<string, string>;
  root: string;
  /** Makes the helper answer `get` for a server URL. */
  helperKnows(server: string, username: string, secret: string): Promise<void>;
  writeJson(path: string, value: unknown): Promise<void>;
}

async function setup(dir: string): Promise<Setup> {
  const bin = `${dir}/bin`;
  await Deno.mkdir(`${bin}/creds`, { recursive: true });
  await Deno.writeTextFile(`${bin}/docker-credential-test`, HELPER, { mode: 0o755 });
  const vars: Record<string, string> = {
    HOME: `${dir}/home`,
    PATH: `${bin}:/usr/bin:/bin`,
  };
  return {
    vars,
    root: dir,
    env: (name) => vars[name],
    helperKnows: (server, username, secret) =>
      Deno.writeTextFile(
        `${bin}/creds/${server.replace(/[^A-Za-z0-9]/g, "_")}.json`,
        JSON.stringify({ ServerURL: server, Username: username, Secret: secret }),
      ),
    writeJson: async (path, value) => {
      await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      await Deno.writeTextFile(path, typeof value === "string" ? value : JSON.stringify(value));
    },
  };
}

const b64 = (s: string) => btoa(s);
const strip = (c: Credential) => {
  const { source: _source, ...rest } = c;
  return rest;
};

Deno.test("normalizeRegistryKey maps URL forms and Docker Hub aliases to one key", () => {
  equal(normalizeRegistryKey("https://index.docker.io/v1/"), "index.docker.io");
  equal(normalizeRegistryKey("docker.io"), "index.docker.io");
  equal(normalizeRegistryKey("registry-1.docker.io"), "index.docker.io");
  equal(normalizeRegistryKey("http://Reg.Example:5000/"), "reg.example:5000");
  equal(normalizeRegistryKey("https://reg.example/v2/"), "reg.example");
  equal(normalizeRegistryKey("reg.example/team/app"), "reg.example/team/app");
  equal(serverKey("docker.io"), "https://index.docker.io/v1/");
  equal(serverKey("ghcr.io"), "ghcr.io");
  deepEqual(authKeysFor("r.io", "a/b"), ["r.io/a/b", "r.io/a", "r.io"]);
});

Deno.test("resolveCredential reads every auths form from $DOCKER_CONFIG/config.json", async () => {
  await using dir = await tempDir("ko-creds-");
  const s = await setup(dir.path);
  s.vars.DOCKER_CONFIG = `${dir.path}/dockercfg`;
  await s.writeJson(`${dir.path}/dockercfg/config.json`, {
    auths: {
      "https://index.docker.io/v1/": { auth: b64("hubuser:hubpass") },
      "http://plain.example:5000/": { username: "u2", password: "p2" },
      "https://idt.example": { identitytoken: "refresh-me" },
      "rt.example": { registrytoken: "bearer-me" },
      "repo.example/team/app": { auth: b64("teamuser:teampass:with:colons") },
      "repo.example": { auth: b64("hostuser:hostpass") },
    },
    HttpHeaders: { "X-Keep": "yes" },
  });
  const r = (reg: string, repo?: string) =>
    resolveCredential(reg, repo, { env: s.env }).then(strip);
  deepEqual(await r("index.docker.io", "library/alpine"), {
    username: "hubuser",
    password: "hubpass",
  });
  deepEqual(await r("docker.io"), { username: "hubuser", password: "hubpass" });
  deepEqual(await r("plain.example:5000"), { username: "u2", password: "p2" });
  deepEqual(await r("idt.example"), { identityToken: "refresh-me" });
  deepEqual(await r("rt.example"), { registryToken: "bearer-me" });
  deepEqual(await r("repo.example", "team/app"), {
    username: "teamuser",
    password: "teampass:with:colons",
  });
  deepEqual(await r("repo.example", "other/app"), { username: "hostuser", password: "hostpass" });
  deepEqual(await r("unknown.example"), {});
});

Deno.test("resolveCredential falls back to ~/.docker/config.json without DOCKER_CONFIG", async () => {
  await using dir = await tempDir("ko-creds-");
  const s = await setup(dir.path);
  await s.writeJson(`${dir.path}/home/.docker/config.json`, {
    auths: { "ghcr.io": { auth: b64("me:pat") } },
  });
  deepEqual(strip(await resolveCredential("ghcr.io", "me/app", { env: s.env })), {
    username: "me",
    password: "pat",
  });
});

Deno.test("resolveCredential asks credHelpers, then credsStore, then auths", async () => {
  await using dir = await tempDir("ko-creds-");
  const s = await setup(dir.path);
  s.vars.DOCKER_CONFIG = `${dir.path}/cfg`;
  await s.writeJson(`${dir.path}/cfg/config.json`, {
    credHelpers: { "helped.example": "test" },
    credsStore: "test",
    auths: {
      "helped.example": { auth: b64("file:file") },
      "fileonly.example": { auth: b64("fileuser:filepass") },
    },
  });
  await s.helperKnows("helped.example", "helperuser", "helpersecret");
  await s.helperKnows("https://index.docker.io/v1/", "<token>", "hub-identity");
  const r = (reg: string) => resolveCredential(reg, undefined, { env: s.env });
  const helped = await r("helped.example");
  deepEqual(strip(helped), { username: "helperuser", password: "helpersecret" });
  equal(helped.source, "docker-credential-test");
  deepEqual(strip(await r("docker.io")), { identityToken: "hub-identity" });
  // "credentials not found" from the helper: the auths entry still counts.
  deepEqual(strip(await r("fileonly.example")), { username: "fileuser", password: "filepass" });
  deepEqual(await r("nothing.example"), {});
});

Deno.test("resolveCredential reports a failing or missing helper clearly", async () => {
  await using dir = await tempDir("ko-creds-");
  const s = await setup(dir.path);
  s.vars.DOCKER_CONFIG = `${dir.path}/cfg`;
  await s.writeJson(`${dir.path}/cfg/config.json`, {
    credHelpers: { "broken.example": "test", "gone.example": "nosuch" },
  });
  await rejects(resolveCredential("broken.example", undefined, { env: s.env }), {
    name: "KoError",
    message:
      'credential helper "docker-credential-test" failed for "broken.example": helper exploded',
  });
  await rejects(resolveCredential("gone.example", undefined, { env: s.env }), {
    message:
      `credential helper "docker-credential-nosuch" (credHelpers in ${dir.path}/cfg/config.json) is not on PATH: install it or remove it from the configuration`,
  });
});

Deno.test("resolveCredential uses podman auth files after the docker config", async () => {
  await using dir = await tempDir("ko-creds-");
  const s = await setup(dir.path);
  s.vars.DOCKER_CONFIG = `${dir.path}/cfg`;
  s.vars.REGISTRY_AUTH_FILE = `${dir.path}/podman/auth.json`;
  s.vars.XDG_RUNTIME_DIR = `${dir.path}/run`;
  s.vars.XDG_CONFIG_HOME = `${dir.path}/xdg`;
  await s.writeJson(`${dir.path}/cfg/config.json`, {
    auths: { "both.example": { auth: b64("docker:wins") } },
  });
  await s.writeJson(`${dir.path}/podman/auth.json`, {
    auths: {
      "both.example": { auth: b64("podman:loses") },
      "podman.example": { auth: b64("pod:man") },
    },
  });
  await s.writeJson(`${dir.path}/run/containers/auth.json`, {
    auths: { "runtime.example": { auth: b64("run:time") } },
  });
  await s.writeJson(`${dir.path}/xdg/containers/auth.json`, {
    auths: { "xdg.example": { auth: b64("x:dg") } },
  });
  const r = (reg: string) => resolveCredential(reg, undefined, { env: s.env }).then(strip);
  deepEqual(await r("both.example"), { username: "docker", password: "wins" });
  deepEqual(await r("podman.example"), { username: "pod", password: "man" });
  deepEqual(await r("runtime.example"), { username: "run", password: "time" });
  deepEqual(await r("xdg.example"), { username: "x", password: "dg" });
});

Deno.test("resolveCredential names a malformed config file without showing its content", async () => {
  await using dir = await tempDir("ko-creds-");
  const s = await setup(dir.path);
  s.vars.DOCKER_CONFIG = `${dir.path}/cfg`;
  const path = `${dir.path}/cfg/config.json`;
  await s.writeJson(path, '{"auths": {"r.example": {"auth": "c2VjcmV0LXZhbHVl"}}');
  const err = await resolveCredential("r.example", undefined, { env: s.env }).catch((e) => e);
  equal(err instanceof KoError, true);
  equal((err as Error).message.startsWith(`cannot parse "${path}": not valid JSON`), true);
  equal((err as Error).message.includes("c2VjcmV0"), false);
  await s.writeJson(path, { auths: { "r.example": { auth: "%%%not-base64" } } });
  await rejects(resolveCredential("r.example", undefined, { env: s.env }), {
    message: `invalid "auth" for "r.example" in "${path}": expected base64 of "username:password"`,
  });
  await s.writeJson(path, { auths: [] });
  await rejects(resolveCredential("r.example", undefined, { env: s.env }), {
    message: `invalid "auths" in "${path}": expected an object`,
  });
  await s.writeJson(path, "[1]");
  await rejects(resolveCredential("r.example", undefined, { env: s.env }), {
    message: `cannot parse "${path}": expected a JSON object`,
  });
});

Deno.test("storeCredentials writes auths atomically with mode 0600, keeping other fields", async () => {
  await using dir = await tempDir("ko-creds-");
  const s = await setup(dir.path);
  s.vars.DOCKER_CONFIG = `${dir.path}/new/dir`;
  const path = await storeCredentials("docker.io", "hub", "s3cret", { env: s.env });
  equal(path, `${dir.path}/new/dir/config.json`);
  equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  deepEqual(JSON.parse(await Deno.readTextFile(path)), {
    auths: { "https://index.docker.io/v1/": { auth: b64("hub:s3cret") } },
  });
  await s.writeJson(path, {
    auths: { "other.example": { auth: b64("o:p") } },
    credHelpers: {},
    psFormat: "table",
  });
  await storeCredentials("127.0.0.1:5000", "me", "pw", { env: s.env });
  deepEqual(JSON.parse(await Deno.readTextFile(path)), {
    auths: { "other.example": { auth: b64("o:p") }, "127.0.0.1:5000": { auth: b64("me:pw") } },
    credHelpers: {},
    psFormat: "table",
  });
  equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  deepEqual(
    [...Deno.readDirSync(`${dir.path}/new/dir`)].map((e) => e.name),
    ["config.json"],
  );
  deepEqual(strip(await resolveCredential("127.0.0.1:5000", undefined, { env: s.env })), {
    username: "me",
    password: "pw",
  });
});

Deno.test("storeCredentials goes through the configured credential helper", async () => {
  await using dir = await tempDir("ko-creds-");
  const s = await setup(dir.path);
  s.vars.DOCKER_CONFIG = `${dir.path}/cfg`;
  const path = `${dir.path}/cfg/config.json`;
  const original = JSON.stringify({ credsStore: "test" });
  await s.writeJson(path, original);
  equal(await storeCredentials("ghcr.io", "me", "tok", { env: s.env }), path);
  deepEqual(JSON.parse(await Deno.readTextFile(`${dir.path}/bin/creds/stored.json`)), {
    ServerURL: "ghcr.io",
    Username: "me",
    Secret: "tok",
  });
  equal(await Deno.readTextFile(path), original);
});

Deno.test("storeCredentials refuses to overwrite a malformed config", async () => {
  await using dir = await tempDir("ko-creds-");
  const s = await setup(dir.path);
  s.vars.DOCKER_CONFIG = `${dir.path}/cfg`;
  const path = `${dir.path}/cfg/config.json`;
  await s.writeJson(path, "{oops");
  await rejects(storeCredentials("r.example", "u", "p", { env: s.env }), {
    message: `cannot parse "${path}": not valid JSON at line 1, column 2`,
  });
  equal(await Deno.readTextFile(path), "{oops");
});

Deno.test("storeCredentials refuses a target that is not a registry, writing nothing", async () => {
  await using dir = await tempDir("ko-creds-");
  const s = await setup(dir.path);
  s.vars.DOCKER_CONFIG = `${dir.path}/cfg`;
  const host = "expected a host name or [IPv6] address with an optional port, such as ghcr.io";
  for (
    const [target, why] of [
      ["http://", host],
      ["a b", host],
      ["registry.example:99999", host],
      ["ghcr.io/Org", "repository name must be lowercase"],
      ["ghcr.io//app", "the repository name has an empty path component"],
    ]
  ) {
    await rejects(storeCredentials(target!, "u", "p", { env: s.env }), {
      name: "KoError",
      message: `invalid registry ${JSON.stringify(target)}: ${why}`,
    });
  }
  await rejects(Deno.stat(`${dir.path}/cfg`), Deno.errors.NotFound);
  for (
    const target of [
      "https://Registry.Example:5000/",
      "[::1]:5000",
      "myregistry",
      "ghcr.io/org/app",
    ]
  ) {
    await storeCredentials(target, "u", "p", { env: s.env });
  }
  deepEqual(Object.keys(JSON.parse(await Deno.readTextFile(`${dir.path}/cfg/config.json`)).auths), [
    "registry.example:5000",
    "[::1]:5000",
    "myregistry",
    "ghcr.io/org/app",
  ]);
});

Deno.test("a failing store helper's message never shows the secret it was given", async () => {
  await using dir = await tempDir("ko-creds-");
  const s = await setup(dir.path);
  s.vars.DOCKER_CONFIG = `${dir.path}/cfg`;
  await Deno.writeTextFile(
    `${dir.path}/bin/docker-credential-echo`,
    '#!/bin/sh\nsecret=$(sed -e \'s/.*"Secret":"\\([^"]*\\)".*/\\1/\')\necho "cannot store me:$secret"\nexit 1\n',
    { mode: 0o755 },
  );
  await s.writeJson(`${dir.path}/cfg/config.json`, { credsStore: "echo" });
  await rejects(storeCredentials("ghcr.io", "me", "pa55word", { env: s.env }), {
    message:
      'credential helper "docker-credential-echo" could not store credentials for "ghcr.io": cannot store me:<redacted>',
  });
});

Deno.test("storeCredentials names an unusable DOCKER_CONFIG in plain words", async () => {
  await using dir = await tempDir("ko-creds-");
  const s = await setup(dir.path);
  await Deno.writeTextFile(`${dir.path}/file`, "");
  s.vars.DOCKER_CONFIG = `${dir.path}/file`;
  await rejects(storeCredentials("ghcr.io", "u", "p", { env: s.env }), {
    message: `cannot read "${dir.path}/file/config.json": a path component is not a directory`,
  });
  await Deno.mkdir(`${dir.path}/cfg/config.json`, { recursive: true });
  s.vars.DOCKER_CONFIG = `${dir.path}/cfg`;
  await rejects(storeCredentials("ghcr.io", "u", "p", { env: s.env }), {
    message: `cannot read "${dir.path}/cfg/config.json": is a directory`,
  });
});

Deno.test("checkCredentialFiles names a malformed file and the line and column", async () => {
  await using dir = await tempDir("ko-creds-");
  const s = await setup(dir.path);
  s.vars.DOCKER_CONFIG = `${dir.path}/cfg`;
  const path = `${dir.path}/cfg/config.json`;
  await checkCredentialFiles({ env: s.env }); // absent: fine
  await s.writeJson(path, '{\n  "auths": {\n    "r.example": {"auth": "c2VjcmV0"},\n  }\n}\n');
  await rejects(checkCredentialFiles({ env: s.env }), {
    message: `cannot parse "${path}": not valid JSON at line 4, column 3`,
  });
  await s.writeJson(path, '{"auths": {\n');
  await rejects(checkCredentialFiles({ env: s.env }), {
    message: `cannot parse "${path}": not valid JSON at line 2, column 1 (unexpected end of file)`,
  });
  await s.writeJson(path, '{"auths": {"r.example": {"auth": x}}}');
  await rejects(checkCredentialFiles({ env: s.env }), {
    message: `cannot parse "${path}": not valid JSON at line 1, column 34`,
  });
  // Without DOCKER_CONFIG, ~/.docker/config.json is the file.
  delete s.vars.DOCKER_CONFIG;
  const home = s.env("HOME")!;
  await s.writeJson(`${home}/.docker/config.json`, "[1, 2");
  await rejects(checkCredentialFiles({ env: s.env }), {
    message: `cannot parse "${home}/.docker/config.json": not valid JSON at line 1, column 6 ` +
      "(unexpected end of file)",
  });
});
