/**
 * `ko build` end to end against registries as CI meets them, with no `ko login`: a real TLS
 * docker-registry (token auth) answering as ghcr.io, us-docker.pkg.dev, an ECR and an ACR
 * name through a loopback CONNECT proxy in `HTTPS_PROXY`, each keychain's credentials taken
 * from the environment. Google's, AWS's and Azure's token endpoints are loopback stand-ins
 * (tests/helpers/cloud_standins.ts): those clouds cannot run on our machines. Then each way
 * of trusting a private registry (SSL_CERT_FILE, SSL_CERT_DIR, certs.d with a client
 * certificate, a named self-signed certificate), and a registry on a port browsers block. No
 * secret appears in any output, `-v` included.
 */
import { equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { botocoreUnavailableReason } from "../helpers/botocore_sigv4.ts";
import { startCloudRegistries } from "../helpers/cloud_registries.ts";
import { buildImage } from "../helpers/fixture_images.ts";
import { pushBuilt } from "../helpers/fixtures.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { ko, type KoRun } from "../helpers/ko_cli.ts";
import { registryFetch } from "../helpers/registry_http.ts";
import { type RegistryServer, startRegistry } from "../helpers/registry_server.ts";
import { requires } from "../helpers/requires.ts";
import { startTcpForwarder } from "../helpers/tcp_forwarder.ts";
import { testTlsCerts } from "../helpers/test_certs.ts";
import { BLOCKED_PORT_CANDIDATES, freePortAmong, runOk, tempDir } from "../helpers/tools.ts";

const noBotocore = await botocoreUnavailableReason();
const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";

/** Go's caches, so that a build with a fresh HOME is not a cold one. */
const goEnv: Record<string, string> = Object.fromEntries(
  (await runOk("go", ["env", "GOCACHE", "GOMODCACHE", "GOPATH"])).stdout.trim().split("\n")
    .map((v, i) => [["GOCACHE", "GOMODCACHE", "GOPATH"][i]!, v]),
);

/** Checks a run pushed `repo` and printed its digest; returns the digest. */
async function pushedTo(run: KoRun, repo: string, registry: RegistryServer): Promise<string> {
  equal(run.code, 0, run.stderr);
  const ref = run.stdout.trim();
  match(ref, new RegExp(`^${repo.replace(/\./g, "\\.")}@sha256:[0-9a-f]{64}$`));
  const digest = ref.split("@")[1]!;
  const path = repo.slice(repo.indexOf("/") + 1);
  const res = await registryFetch(registry, `/v2/${path}/manifests/${digest}`, {
    method: "HEAD",
    headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
  });
  equal(res.status, 200, `${repo}@${digest} is in the registry`);
  return digest;
}

Deno.test("ko build pushes to cloud registries with their CI credentials", async (t) => {
  await using world = await startCloudRegistries();
  await using tmp = await tempDir();
  const secrets = world.standIns.secrets;
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/clouds",
    files: { "main.go": PRINT_KODATA_MAIN, "kodata/hello.txt": "hi\n" },
  });
  const home = join(tmp.path, "home");
  await Deno.mkdir(home);
  const base = {
    ...goEnv,
    ...world.env,
    HOME: home,
    KO_DEFAULTBASEIMAGE: "scratch",
  };
  const secretValues = [
    world.githubToken,
    secrets.googleAccessToken,
    secrets.ecrPassword,
    secrets.awsSecretAccessKey,
    secrets.azureClientSecret,
    secrets.acrRefreshToken,
  ];
  const build = async (repo: string, vars: Record<string, string>) => {
    const run = await ko(["build", "-v", "--bare", "."], {
      cwd: src,
      env: { ...base, KO_DOCKER_REPO: repo, ...vars },
    });
    for (const s of secretValues) {
      ok(!run.stderr.includes(s) && !run.stdout.includes(s), `a secret leaked:\n${run.stderr}`);
    }
    return run;
  };
  const github = { GITHUB_TOKEN: world.githubToken, GITHUB_ACTOR: world.githubActor };

  await t.step("ghcr.io with GITHUB_TOKEN", async () => {
    const run = await build("ghcr.io/octo/app", github);
    await pushedTo(run, "ghcr.io/octo/app", world.registry);
    match(run.stderr, /using credentials for ghcr\.io from GITHUB_TOKEN/);
    ok(world.proxy.targets.includes("ghcr.io:443"));
  });

  await t.step(
    "us-docker.pkg.dev with a service account key (Application Default Credentials)",
    async () => {
      const key = await world.standIns.writeServiceAccountKey(tmp.path);
      const run = await build("us-docker.pkg.dev/ko-test/repo/app", {
        GOOGLE_APPLICATION_CREDENTIALS: key,
      });
      await pushedTo(run, "us-docker.pkg.dev/ko-test/repo/app", world.registry);
    },
  );

  await t.step({
    ...requires(`${ECR} with AWS keys (a SigV4-signed GetAuthorizationToken)`, noBotocore),
    fn: async () => {
      const run = await build(`${ECR}/app`, {
        AWS_ACCESS_KEY_ID: secrets.awsAccessKeyId,
        AWS_SECRET_ACCESS_KEY: secrets.awsSecretAccessKey,
        AWS_SESSION_TOKEN: "FQoGZXIvYXdzEXAMPLE-session",
      });
      await pushedTo(run, `${ECR}/app`, world.registry);
    },
  });

  await t.step("kotest.azurecr.io with a service principal", async () => {
    const run = await build("kotest.azurecr.io/team/app", {
      AZURE_TENANT_ID: secrets.azureTenant,
      AZURE_CLIENT_ID: secrets.azureClientId,
      AZURE_CLIENT_SECRET: secrets.azureClientSecret,
    });
    await pushedTo(run, "kotest.azurecr.io/team/app", world.registry);
  });

  await t.step("a refused credential is one line naming where it came from", async () => {
    const run = await build("kotest.azurecr.io/team/app", {
      AZURE_TENANT_ID: secrets.azureTenant,
      AZURE_CLIENT_ID: secrets.azureClientId,
      AZURE_CLIENT_SECRET: "expired-secret",
    });
    equal(run.code, 1);
    // The error line (`-v` adds the stack after it).
    const line = run.stderr.split("\n").find((l) => l.startsWith("Error: ")) ?? run.stderr;
    match(
      line,
      /Azure credentials for kotest\.azurecr\.io \(from AZURE_CLIENT_SECRET\): .* refused: 401 Unauthorized: invalid_client/,
    );
    ok(!run.stderr.includes("expired-secret"));
  });

  await t.step("trust from SSL_CERT_DIR (hashed names) instead of SSL_CERT_FILE", async () => {
    const dir = join(tmp.path, "certs");
    await Deno.mkdir(dir);
    const certs = await testTlsCerts();
    await Deno.copyFile(certs.ca.certPath, join(dir, "corp.pem"));
    await runOk("openssl", ["rehash", dir]);
    const run = await build("ghcr.io/octo/dir", {
      ...github,
      SSL_CERT_FILE: "",
      SSL_CERT_DIR: dir,
    });
    await pushedTo(run, "ghcr.io/octo/dir", world.registry);
  });

  await t.step("trust from ~/.config/containers/certs.d/ghcr.io/ca.crt", async () => {
    const certs = await testTlsCerts();
    const dir = join(home, ".config/containers/certs.d/ghcr.io");
    await Deno.mkdir(dir, { recursive: true });
    await Deno.copyFile(certs.ca.certPath, join(dir, "ca.crt"));
    try {
      const run = await build("ghcr.io/octo/certsd", { ...github, SSL_CERT_FILE: "" });
      await pushedTo(run, "ghcr.io/octo/certsd", world.registry);
    } finally {
      await Deno.remove(join(home, ".config"), { recursive: true });
    }
  });
});

Deno.test("ko build trusts private registries as Docker and Go do", async (t) => {
  const certs = await testTlsCerts();
  await using tmp = await tempDir();
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/trust",
    files: { "main.go": PRINT_KODATA_MAIN, "kodata/hello.txt": "hi\n" },
  });
  const home = join(tmp.path, "home");

  await t.step("a client certificate from certs.d for a registry that requires one", async () => {
    await using reg = await startRegistry({ mode: "tls", requireClientCert: true });
    const dir = join(home, ".config/containers/certs.d", reg.host);
    await Deno.mkdir(dir, { recursive: true });
    await Deno.copyFile(certs.ca.certPath, join(dir, "ca.crt"));
    await Deno.copyFile(certs.client.certPath, join(dir, "client.cert"));
    await Deno.copyFile(certs.client.keyPath, join(dir, "client.key"));
    const run = await ko(["build", "--bare", "."], {
      cwd: src,
      env: {
        ...goEnv,
        HOME: home,
        KO_DOCKER_REPO: `${reg.host}/mtls`,
        KO_DEFAULTBASEIMAGE: "scratch",
      },
    });
    await pushedTo(run, `${reg.host}/mtls`, reg);
  });

  await t.step("a self-signed CA certificate named in SSL_CERT_FILE", async () => {
    await using reg = await startRegistry({ mode: "tls", serverCert: certs.selfSigned });
    const env = {
      ...goEnv,
      HOME: home,
      KO_DOCKER_REPO: `${reg.host}/selfsigned`,
      KO_DEFAULTBASEIMAGE: "scratch",
    };
    const refused = await ko(["build", "--bare", "."], { cwd: src, env });
    equal(refused.code, 1);
    match(
      refused.stderr,
      /self-signed CA certificate as its own; trust it by naming it in SSL_CERT_FILE/,
    );
    const run = await ko(["build", "--bare", "."], {
      cwd: src,
      env: { ...env, SSL_CERT_FILE: certs.selfSigned.certPath },
    });
    equal(run.code, 0, run.stderr);
    match(run.stdout.trim(), new RegExp(`^${reg.host}/selfsigned@sha256:`));
  });
});

const blockedPort = freePortAmong(BLOCKED_PORT_CANDIDATES);

Deno.test({
  ...requires(
    `ko build pulls its base from and pushes to a registry on blocked port ${
      blockedPort ?? "(none free)"
    }`,
    blockedPort === undefined ? "no blocked port is free" : undefined,
  ),
  async fn() {
    await using reg = await startRegistry({ mode: "bearer", port: blockedPort });
    await using forwarder = startTcpForwarder(blockedPort!);
    await using tmp = await tempDir();
    // The helpers' own fetch cannot reach a blocked port: push the base through the forwarder.
    const view = { ...reg, host: forwarder.host, url: `http://${forwarder.host}` };
    await pushBuilt(
      view,
      "fixtures/base",
      "latest",
      buildImage({
        family: "oci",
        platform: { os: "linux", architecture: "amd64" },
        label: "blocked",
      }),
    );
    const src = await writeGoApp(join(tmp.path, "src"), {
      module: "example.com/blocked",
      files: { "main.go": PRINT_KODATA_MAIN, "kodata/hello.txt": "hi\n" },
    });
    const dockerConfig = join(tmp.path, "docker");
    await Deno.mkdir(dockerConfig);
    await Deno.writeTextFile(
      join(dockerConfig, "config.json"),
      JSON.stringify({ auths: { [reg.host]: { auth: btoa(`${reg.username}:${reg.password}`) } } }),
    );
    const run = await ko(["build", "--bare", "."], {
      cwd: src,
      env: {
        ...goEnv,
        DOCKER_CONFIG: dockerConfig,
        KO_DOCKER_REPO: `${reg.host}/blocked/app`,
        KO_DEFAULTBASEIMAGE: `${reg.host}/fixtures/base:latest`,
      },
    });
    await pushedTo(run, `${reg.host}/blocked/app`, view);
    match(run.stderr, new RegExp(`Using base ${reg.host}/fixtures/base:latest@sha256:`));
    ok(
      reg.tokenRequests!.some((r) =>
        r.account === reg.username && r.scopes.some((s) => s.includes("blocked/app"))
      ),
    );
  },
});

Deno.test("a one-character repository is refused as ko refuses it, before anything is built", async () => {
  await using tmp = await tempDir();
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/short",
    files: { "main.go": PRINT_KODATA_MAIN },
  });
  const run = await ko(["build", "--bare", "."], {
    cwd: src,
    env: { ...goEnv, KO_DOCKER_REPO: "127.0.0.1:5000/x", KO_DEFAULTBASEIMAGE: "scratch" },
  });
  equal(run.code, 1);
  match(
    run.stderr,
    /failed to parse "127\.0\.0\.1:5000\/x" as repository: .*repository must be between 2 and 255 characters in length: x\n/,
  );
  equal(run.stderr.includes("Building"), false, run.stderr);
});
