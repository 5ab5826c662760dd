/**
 * ko's keychain (src/registry/ko_keychain.ts) against a real TLS docker-registry with token
 * auth, reached as ghcr.io, us-docker.pkg.dev, an ECR and an ACR name through a loopback
 * CONNECT proxy. The Google, AWS and Azure token endpoints are loopback stand-ins
 * (tests/helpers/cloud_standins.ts) because those clouds cannot run here; `gcloud` is the
 * real one where it is installed. Each keychain answers only for its own registries and
 * only when its environment is there; failures are one line naming the source, never a secret.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { dirname, join } from "node:path";
import { MediaType } from "../../src/oci/media_types.ts";
import { RegistryClient } from "../../src/registry/client.ts";
import { koKeychain } from "../../src/registry/ko_keychain.ts";
import { createTransport } from "../../src/registry/transport.ts";
import { botocoreSign, botocoreUnavailableReason } from "../helpers/botocore_sigv4.ts";
import { startCloudRegistries } from "../helpers/cloud_registries.ts";
import { programsMissing, requires } from "../helpers/requires.ts";
import { findExecutable, runOk, tempDir } from "../helpers/tools.ts";
import { blobOf, captureLogs, FAST_RETRY, randomBytes, repoOf } from "./support.ts";

const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const noBotocore = await botocoreUnavailableReason();

/** A client seeing only `vars` as its environment. */
function clientWith(vars: Record<string, string>): RegistryClient {
  return new RegistryClient({ env: (name) => vars[name], retry: FAST_RETRY, certsDirRoots: [] });
}

/** Pushes a small image to `registry/repository:tag` with a client for `vars`. */
async function push(vars: Record<string, string>, registry: string, repository: string) {
  const client = clientWith(vars);
  try {
    const repo = repoOf(registry, repository);
    const blob = blobOf(randomBytes(1000));
    await client.uploadBlob(repo, blob);
    const manifest = new TextEncoder().encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: blob.digest, size: blob.size },
      layers: [],
    }));
    return await client.putManifest(repo, "v1", manifest, MediaType.OciManifest);
  } finally {
    client.close();
  }
}

/** The error of a push that must fail. */
async function pushError(vars: Record<string, string>, registry: string): Promise<string> {
  const err = await push(vars, registry, "team/fails").then(() => undefined, (e: Error) => e);
  ok(err, "the push must fail");
  equal(err.message.includes("\n"), false, err.message);
  return err.message;
}

Deno.test("ko's keychains push without ko login", async (t) => {
  await using world = await startCloudRegistries();
  await using tmp = await tempDir();
  const secrets = world.standIns.secrets;
  const home = join(tmp.path, "home");
  await Deno.mkdir(home);
  // No gcloud or credential helper on PATH unless a step puts it there.
  const base = { ...world.env, HOME: home, PATH: join(tmp.path, "no-tools") };
  const accounts = () => world.registry.tokenRequests!.map((r) => r.account);
  // Identifiers (access key IDs, tenant and client IDs) are not secrets; these are.
  const everySecret = (): string[] => [
    world.githubToken,
    secrets.googleAccessToken,
    secrets.ecrPassword,
    secrets.awsSecretAccessKey,
    secrets.azureClientSecret,
    secrets.azureFederatedToken,
    secrets.acrRefreshToken,
    secrets.googleUser.clientSecret,
    secrets.googleUser.refreshToken,
  ];
  const noSecretIn = (text: string) => {
    for (const s of everySecret()) ok(!text.includes(s), `a secret leaked: ${text}`);
  };

  await t.step("GitHub: GITHUB_TOKEN as GITHUB_ACTOR, for ghcr.io only", async () => {
    const vars = { ...base, GITHUB_TOKEN: world.githubToken, GITHUB_ACTOR: world.githubActor };
    const logs = captureLogs(true);
    try {
      await push(vars, "ghcr.io", "octo/app");
    } finally {
      logs.restore();
    }
    ok(accounts().includes(world.githubActor));
    noSecretIn(logs.lines.join("\n"));
    ok(logs.lines.some((l) => l.includes("using credentials for ghcr.io from GITHUB_TOKEN")));
    const keychain = koKeychain({
      env: (n) => vars[n as keyof typeof vars],
      send: () => Promise.reject(new Error("no")),
    });
    deepEqual(await keychain("registry.example", "x"), {});
    equal((await keychain("docker.pkg.github.com", "o/r/i")).password, world.githubToken);
    const noActor = koKeychain({
      env: (n) => ({ GITHUB_TOKEN: "t" } as Record<string, string>)[n],
      send: () => Promise.reject(new Error("no")),
    });
    equal((await noActor("ghcr.io", "x")).username, "unset");
    match(
      await pushError(vars, "registry.example"),
      /no credentials for registry\.example were found/,
    );
  });

  await t.step("the Docker config comes before the built-in keychains", async () => {
    const dockerConfig = join(tmp.path, "docker");
    await Deno.mkdir(dockerConfig);
    await Deno.writeTextFile(
      join(dockerConfig, "config.json"),
      JSON.stringify({
        auths: { "ghcr.io": { auth: btoa(`${world.githubActor}:stale-password`) } },
      }),
    );
    const vars = {
      ...base,
      DOCKER_CONFIG: dockerConfig,
      GITHUB_TOKEN: world.githubToken,
      GITHUB_ACTOR: world.githubActor,
    };
    const message = await pushError(vars, "ghcr.io");
    match(
      message,
      new RegExp(
        `credentials for ghcr.io from ${dockerConfig}/config.json \\(ghcr.io\\) were refused`,
      ),
    );
  });

  await t.step("Google: a service account key in GOOGLE_APPLICATION_CREDENTIALS", async () => {
    const key = await world.standIns.writeServiceAccountKey(tmp.path);
    await push(
      { ...base, GOOGLE_APPLICATION_CREDENTIALS: key },
      "us-docker.pkg.dev",
      "ko-test/repo/app",
    );
    ok(accounts().includes("_token"));
    ok(world.standIns.log.includes("oauth2.googleapis.com POST /token → 200"));
  });

  await t.step("Google: gcloud's application default login (a refresh token)", async () => {
    const gcloudConfig = join(tmp.path, "gcloud");
    await Deno.mkdir(gcloudConfig);
    await world.standIns.writeAuthorizedUser(gcloudConfig);
    await push(
      { ...base, CLOUDSDK_CONFIG: gcloudConfig },
      "us-docker.pkg.dev",
      "ko-test/repo/user",
    );
  });

  await t.step("Google: the metadata server, asked only where GCE_METADATA_HOST says", async () => {
    const before = world.standIns.log.filter((l) => l.startsWith("metadata")).length;
    match(
      await pushError(base, "us-docker.pkg.dev"),
      /no credentials for us-docker\.pkg\.dev were found/,
    );
    equal(world.standIns.log.filter((l) => l.startsWith("metadata")).length, before);
    await push(
      { ...base, GCE_METADATA_HOST: world.standIns.metadataHost },
      "gcr.io",
      "ko-test/app",
    );
    ok(
      world.standIns.log.includes(
        "metadata GET /computeMetadata/v1/instance/service-accounts/default/token → 200",
      ),
    );
  });

  await t.step({
    ...requires("Google: gcloud config config-helper (the real gcloud)", programsMissing("gcloud")),
    fn: async () => {
      const gcloud = findExecutable("gcloud")!;
      const config = join(tmp.path, "gcloud-cli");
      const gcloudEnv = {
        ...base,
        PATH: `${dirname(gcloud)}:/usr/bin:/bin`,
        CLOUDSDK_CONFIG: config,
        CLOUDSDK_CORE_DISABLE_PROMPTS: "1",
        // gcloud's Python trusts the test CA through this, and takes HTTPS_PROXY as we do.
        REQUESTS_CA_BUNDLE: world.env.SSL_CERT_FILE!,
      };
      const key = await world.standIns.writeServiceAccountKey(tmp.path);
      await runOk(gcloud, ["auth", "activate-service-account", "--key-file", key], {
        env: gcloudEnv,
      });
      await push(gcloudEnv, "us-docker.pkg.dev", "ko-test/repo/gcloud");
    },
  });

  await t.step({
    ...requires(
      "Amazon ECR: AWS keys in the environment, a signed GetAuthorizationToken",
      noBotocore,
    ),
    fn: async () => {
      await push(
        {
          ...base,
          AWS_ACCESS_KEY_ID: secrets.awsAccessKeyId,
          AWS_SECRET_ACCESS_KEY: secrets.awsSecretAccessKey,
        },
        ECR,
        "app",
      );
      ok(accounts().includes("AWS"));
      ok(world.standIns.log.includes("api.ecr.us-east-1.amazonaws.com POST / → 200"));
    },
  });

  await t.step({
    ...requires("Amazon ECR: a named profile of the shared credentials file", noBotocore),
    fn: async () => {
      const file = join(tmp.path, "aws-credentials");
      await Deno.writeTextFile(
        file,
        `[default]\naws_access_key_id = AKIAWRONG\naws_secret_access_key = wrong\n\n` +
          `[ci]\naws_access_key_id = ${secrets.awsAccessKeyId}\naws_secret_access_key = ${secrets.awsSecretAccessKey}\n`,
      );
      await push(
        { ...base, AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: "ci" },
        ECR,
        "profiled",
      );
      const message = await pushError({ ...base, AWS_SHARED_CREDENTIALS_FILE: file }, ECR);
      match(
        message,
        new RegExp(
          `Amazon ECR credentials for ${ECR} \\(from AWS profile "default" in ${file}\\): .* refused: 400 Bad Request: UnrecognizedClientException`,
        ),
      );
    },
  });

  await t.step({
    ...requires("Amazon ECR: a wrong secret is refused by the signature check", noBotocore),
    fn: async () => {
      const message = await pushError(
        {
          ...base,
          AWS_ACCESS_KEY_ID: secrets.awsAccessKeyId,
          AWS_SECRET_ACCESS_KEY: "not-the-secret",
        },
        ECR,
      );
      match(
        message,
        /InvalidSignatureException: The request signature we calculated does not match/,
      );
      ok(!message.includes("not-the-secret"));
    },
  });

  await t.step(
    "Azure: a service principal in AZURE_*, exchanged for an ACR refresh token",
    async () => {
      await push(
        {
          ...base,
          AZURE_TENANT_ID: secrets.azureTenant,
          AZURE_CLIENT_ID: secrets.azureClientId,
          AZURE_CLIENT_SECRET: secrets.azureClientSecret,
        },
        "kotest.azurecr.io",
        "team/app",
      );
      ok(accounts().includes(world.acrAccount));
      ok(world.standIns.log.includes("kotest.azurecr.io POST /oauth2/exchange → 200"));
    },
  );

  await t.step("Azure: a federated token (workload identity) instead of a secret", async () => {
    const tokenFile = join(tmp.path, "azure-token");
    await Deno.writeTextFile(tokenFile, `${secrets.azureFederatedToken}\n`);
    await push(
      {
        ...base,
        AZURE_TENANT_ID: secrets.azureTenant,
        AZURE_CLIENT_ID: secrets.azureClientId,
        AZURE_FEDERATED_TOKEN_FILE: tokenFile,
      },
      "kotest.azurecr.io",
      "team/federated",
    );
  });

  await t.step({
    ...requires("Amazon ECR: a profile's credential_process", noBotocore),
    fn: async () => {
      const config = join(tmp.path, "aws-config");
      const script = join(tmp.path, "aws-creds.sh");
      await Deno.writeTextFile(
        script,
        `#!/bin/sh\necho '{"Version": 1, "AccessKeyId": "${secrets.awsAccessKeyId}", ` +
          `"SecretAccessKey": "${secrets.awsSecretAccessKey}", "SessionToken": "process-session"}'\n`,
        { mode: 0o755 },
      );
      await Deno.writeTextFile(config, `[profile build]\ncredential_process = ${script}\n`);
      await push({ ...base, AWS_CONFIG_FILE: config, AWS_PROFILE: "build" }, ECR, "process");
    },
  });

  await t.step({
    ...requires("Amazon ECR Public: GetAuthorizationToken at AWS_ENDPOINT_URL_ECR", noBotocore),
    fn: async () => {
      const seen: string[] = [];
      const api = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen: () => {} },
        async (req) => {
          const headers: Record<string, string> = {};
          const signed = /SignedHeaders=([^,]+)/.exec(req.headers.get("authorization") ?? "")?.[1];
          for (const n of signed?.split(";") ?? []) {
            if (n !== "host") headers[n] = req.headers.get(n)!;
          }
          const body = await req.text();
          const reference = await botocoreSign({
            method: "POST",
            url: req.url,
            headers,
            body,
            accessKeyId: secrets.awsAccessKeyId,
            secretAccessKey: secrets.awsSecretAccessKey,
            region: "us-east-1",
            service: "ecr-public",
            amzDate: headers["x-amz-date"] ?? "",
          });
          seen.push(
            `${req.headers.get("x-amz-target")} ${body} ${
              reference.authorization === req.headers.get("authorization")
            }`,
          );
          return Response.json({
            authorizationData: { authorizationToken: btoa("AWS:public-password"), expiresAt: 2e9 },
          });
        },
      );
      const transport = createTransport({ retry: FAST_RETRY });
      try {
        const vars: Record<string, string> = {
          AWS_ACCESS_KEY_ID: secrets.awsAccessKeyId,
          AWS_SECRET_ACCESS_KEY: secrets.awsSecretAccessKey,
          AWS_ENDPOINT_URL_ECR: `http://127.0.0.1:${api.addr.port}/`,
        };
        const keychain = koKeychain({ env: (n) => vars[n], send: transport.send });
        const found = await keychain("public.ecr.aws", "me/app");
        deepEqual([found.username, found.password, found.expiresAt], [
          "AWS",
          "public-password",
          2e12,
        ]);
        deepEqual(seen, ["SpencerFrontendService.GetAuthorizationToken {} true"]);
      } finally {
        transport.close();
        await api.shutdown();
      }
    },
  });

  await t.step("bad input: one line naming the source, never a secret", async () => {
    const broken = join(tmp.path, "broken.json");
    await Deno.writeTextFile(
      broken,
      `{"type": "service_account", "private_key": "${secrets.azureClientSecret}"`,
    );
    // A service account whose token endpoint nothing answers.
    const unreachable = join(tmp.path, "unreachable.json");
    const key = JSON.parse(
      await Deno.readTextFile(await world.standIns.writeServiceAccountKey(tmp.path)),
    );
    await Deno.writeTextFile(
      unreachable,
      JSON.stringify({ ...key, token_uri: "https://127.0.0.1:1/token" }),
    );
    const cases: Array<[Record<string, string>, string, RegExp]> = [
      [
        { GOOGLE_APPLICATION_CREDENTIALS: broken },
        "gcr.io",
        /cannot parse GOOGLE_APPLICATION_CREDENTIALS \(.*broken\.json\): not a JSON object/,
      ],
      [
        { GOOGLE_APPLICATION_CREDENTIALS: join(tmp.path, "absent.json") },
        "gcr.io",
        /cannot read GOOGLE_APPLICATION_CREDENTIALS \(.*absent\.json\): does not exist/,
      ],
      [
        {
          AZURE_TENANT_ID: secrets.azureTenant,
          AZURE_CLIENT_ID: secrets.azureClientId,
          AZURE_CLIENT_SECRET: "wrong-secret",
        },
        "kotest.azurecr.io",
        /Azure credentials for kotest\.azurecr\.io \(from AZURE_CLIENT_SECRET\): https:\/\/login\.microsoftonline\.com\/.*\/oauth2\/token refused: 401 Unauthorized: invalid_client: AADSTS7000215/,
      ],
      [
        { CLOUDSDK_CONFIG: join(tmp.path, "expired") },
        "us-docker.pkg.dev",
        /Google credentials from .*application_default_credentials\.json: https:\/\/oauth2\.googleapis\.com\/token refused: 400 Bad Request: invalid_grant: Token has been expired or revoked\./,
      ],
      [
        { GOOGLE_APPLICATION_CREDENTIALS: unreachable },
        "us-docker.pkg.dev",
        /Google credentials from GOOGLE_APPLICATION_CREDENTIALS \(.*\): cannot reach https:\/\/127\.0\.0\.1:1\/token: connection refused/,
      ],
    ];
    await Deno.mkdir(join(tmp.path, "expired"));
    await Deno.writeTextFile(
      join(tmp.path, "expired", "application_default_credentials.json"),
      JSON.stringify({
        type: "authorized_user",
        client_id: "c",
        client_secret: secrets.azureClientSecret,
        refresh_token: "revoked-refresh-token-0001",
      }),
    );
    for (const [vars, registry, expected] of cases) {
      const logs = captureLogs(true);
      let message: string;
      try {
        message = await pushError({ ...base, ...vars }, registry);
      } finally {
        logs.restore();
      }
      match(message, expected);
      noSecretIn(message);
      noSecretIn(logs.lines.join("\n"));
    }
  });

  await t.step({
    ...requires("a failing built-in keychain does not hide a later source that works", noBotocore),
    fn: async () => {
      // ECR comes first in ko's order; its failure is kept while the Docker config is asked.
      const dockerConfig = join(tmp.path, "docker-ecr");
      await Deno.mkdir(dockerConfig);
      await Deno.writeTextFile(
        join(dockerConfig, "config.json"),
        JSON.stringify({ auths: { [ECR]: { auth: btoa(`AWS:${secrets.ecrPassword}`) } } }),
      );
      const aws = { AWS_ACCESS_KEY_ID: secrets.awsAccessKeyId, AWS_SECRET_ACCESS_KEY: "wrong" };
      await push({ ...base, ...aws, DOCKER_CONFIG: dockerConfig }, ECR, "from-config");
      match(await pushError({ ...base, ...aws }, ECR), /InvalidSignatureException/);
    },
  });
});

Deno.test("a credential endpoint echoing what it was sent does not put the secret in the error", async () => {
  // A misbehaving Azure AD stand-in at AZURE_AUTHORITY_HOST that repeats the request form.
  const endpoint = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) =>
      Response.json(
        { error: "invalid_client", error_description: `bad request: ${await req.text()}` },
        { status: 401 },
      ),
  );
  const transport = createTransport({ retry: FAST_RETRY });
  try {
    const vars: Record<string, string> = {
      AZURE_TENANT_ID: "tenant",
      AZURE_CLIENT_ID: "client",
      AZURE_CLIENT_SECRET: "s3cr3t-value-not-to-show",
      AZURE_AUTHORITY_HOST: `http://127.0.0.1:${endpoint.addr.port}/`,
    };
    const found = await koKeychain({ env: (n) => vars[n], send: transport.send })(
      "kotest.azurecr.io",
      "team/app",
    );
    match(
      found.unavailable!,
      /^Azure credentials for kotest\.azurecr\.io \(from AZURE_CLIENT_SECRET\): http:\/\/127\.0\.0\.1:\d+\/tenant\/oauth2\/token refused: 401 Unauthorized: invalid_client: bad request: .*client_secret=<redacted>/,
    );
    ok(!found.unavailable!.includes("s3cr3t-value-not-to-show"));
  } finally {
    transport.close();
    await endpoint.shutdown();
  }
});
