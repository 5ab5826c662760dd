/**
 * Authentication against the real registry: Basic (right and wrong password), the Bearer token
 * flow with the test token server (password, identity token, registry token, token caching,
 * scope widening after `insufficient_scope`), TLS trust, plain-HTTP fallback, and that no
 * secret reaches the logs.
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import { sha256Digest } from "../../src/oci/digest.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { RegistryClient } from "../../src/registry/client.ts";
import { startFaultProxy } from "../helpers/fault_proxy.ts";
import { bearerToken } from "../helpers/registry_http.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { freePort } from "../helpers/tools.ts";
import { blobOf, captureLogs, clientFor, FAST_RETRY, randomBytes, repoOf } from "./support.ts";

Deno.test("a wrong Basic password fails with UNAUTHORIZED and a ko login hint", async () => {
  await using reg = await startRegistry({ mode: "basic" });
  const client = clientFor(reg, { credential: { username: reg.username, password: "wrong" } });
  try {
    const repo = repoOf(reg, "team/app");
    await rejects(client.getManifest(repo, "v1"), {
      name: "RegistryError",
      message:
        `GET ${reg.host}/team/app manifest v1: UNAUTHORIZED: authentication required (repository:team/app:pull): the credentials for ${reg.host} were refused: log in with "ko login ${reg.host}"`,
    });
    const digest = sha256Digest("x");
    await rejects(client.headBlob(repo, digest), {
      message:
        `HEAD ${reg.host}/team/app blob ${digest}: 401 Unauthorized: the credentials for ${reg.host} were refused: log in with "ko login ${reg.host}"`,
    });
  } finally {
    client.close();
  }
});

Deno.test("Basic without credentials says that none were found", async () => {
  await using reg = await startRegistry({ mode: "basic" });
  const client = clientFor(reg, { credential: {} });
  try {
    await rejects(client.listTags(repoOf(reg, "team/app")), {
      message:
        `GET ${reg.host}/team/app tags: UNAUTHORIZED: authentication required (repository:team/app:pull): no credentials for ${reg.host} were found: log in with "ko login ${reg.host}"`,
    });
  } finally {
    client.close();
  }
});

Deno.test("a wrong password at the token endpoint names the endpoint and hints at ko login", async () => {
  await using reg = await startRegistry({ mode: "bearer" });
  const client = clientFor(reg, {
    credential: { username: reg.username, password: "nope", source: "test-keychain" },
  });
  try {
    await rejects(client.getManifest(repoOf(reg, "team/app"), "v1"), {
      message:
        `getting a token for ${reg.host} from ${reg.tokenRealm}: UNAUTHORIZED: incorrect username or password: the credentials for ${reg.host} from test-keychain were refused: log in with "ko login ${reg.host}"`,
    });
  } finally {
    client.close();
  }
});

Deno.test("an anonymous push to a Bearer registry is refused after one token refresh", async () => {
  await using reg = await startRegistry({ mode: "bearer" });
  const client = clientFor(reg, { credential: {} });
  try {
    const blob = blobOf(randomBytes(10));
    await rejects(client.uploadBlob(repoOf(reg, "team/app"), blob), (err: Error) => {
      equal(err.name, "RegistryError");
      equal(
        err.message.startsWith(`HEAD ${reg.host}/team/app blob ${blob.digest}: 401`),
        true,
        err.message,
      );
      equal(
        err.message.endsWith(
          `no credentials for ${reg.host} were found: log in with "ko login ${reg.host}"`,
        ),
        true,
        err.message,
      );
      return true;
    });
    // The first token, then exactly one refresh after the 401.
    equal(reg.tokenRequests!.length, 2);
    deepEqual(reg.tokenRequests!.map((r) => r.account), [undefined, undefined]);
  } finally {
    client.close();
  }
});

Deno.test("Bearer tokens are cached per scope set and shared by concurrent requests", async () => {
  await using reg = await startRegistry({ mode: "bearer" });
  const client = clientFor(reg);
  try {
    const repo = repoOf(reg, "team/app");
    const digests = Array.from({ length: 8 }, (_, i) => sha256Digest(`blob ${i}`));
    await Promise.all(digests.map((d) => client.headBlob(repo, d)));
    await client.listTags(repo).catch(() => {});
    equal(reg.tokenRequests!.length, 1);
    deepEqual(reg.tokenRequests![0]!.scopes, ["repository:team/app:pull"]);
    equal(reg.tokenRequests![0]!.account, reg.username);
    equal(reg.tokenRequests![0]!.method, "GET");
    await client.uploadBlob(repo, blobOf(randomBytes(10)));
    await client.uploadBlob(repo, blobOf(randomBytes(10)));
    equal(reg.tokenRequests!.length, 2);
    deepEqual(reg.tokenRequests![1]!.scopes, ["repository:team/app:push,pull"]);
  } finally {
    client.close();
  }
});

Deno.test("an identity token is exchanged with an OAuth2 refresh_token POST", async () => {
  await using reg = await startRegistry({ mode: "bearer" });
  // Log in the OAuth2 way once to obtain a refresh token, as `docker login` would store it.
  const login = await fetch(reg.tokenRealm!, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "password",
      username: reg.username!,
      password: reg.password!,
      service: reg.tokenService!,
      client_id: "test",
    }),
  });
  const refresh = (await login.json()).refresh_token as string;
  const client = clientFor(reg, { credential: { identityToken: refresh } });
  try {
    const repo = repoOf(reg, "team/app");
    equal(await client.uploadBlob(repo, blobOf(randomBytes(10))), "pushed");
    const last = reg.tokenRequests!.at(-1)!;
    equal(last.method, "POST");
    equal(last.grantType, "refresh_token");
    equal(last.account, reg.username);
    deepEqual(last.scopes, ["repository:team/app:push,pull"]);
  } finally {
    client.close();
  }
});

Deno.test("a registry token is sent as is, without the token endpoint", async () => {
  await using reg = await startRegistry({ mode: "bearer" });
  const token = await bearerToken(reg, ["repository:team/app:pull,push"]);
  const before = reg.tokenRequests!.length;
  const client = clientFor(reg, { credential: { registryToken: token } });
  try {
    const repo = repoOf(reg, "team/app");
    equal(await client.uploadBlob(repo, blobOf(randomBytes(10))), "pushed");
    equal(reg.tokenRequests!.length, before);
  } finally {
    client.close();
  }
});

Deno.test("a 401 with insufficient_scope mid-session widens the scopes and retries once", async () => {
  await using reg = await startRegistry({ mode: "bearer" });
  let injected = 0;
  await using proxy = await startFaultProxy(reg.host, (req) => {
    if (req.method === "PUT" && req.path.includes("/manifests/") && injected++ === 0) {
      return {
        status: 401,
        body: '{"errors":[{"code":"UNAUTHORIZED","message":"insufficient scope"}]}',
        headers: {
          "www-authenticate":
            `Bearer realm="${reg.tokenRealm}",service="${reg.tokenService}",scope="repository:team/other:pull",error="insufficient_scope"`,
        },
      };
    }
    return "pass";
  });
  const client = clientFor(reg);
  try {
    const repo = repoOf(proxy.host, "team/app");
    const config = blobOf(new TextEncoder().encode("{}"));
    await client.uploadBlob(repo, config);
    const manifest = new TextEncoder().encode(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: config.digest, size: 2 },
      layers: [],
    }));
    equal(
      await client.putManifest(repo, "v1", manifest, MediaType.OciManifest),
      sha256Digest(manifest),
    );
    deepEqual(reg.tokenRequests!.at(-1)!.scopes, [
      "repository:team/other:pull",
      "repository:team/app:push,pull",
    ]);
    deepEqual(
      proxy.requests.filter((r) => r.method === "PUT" && r.path.includes("/manifests/")).map((r) =>
        r.outcome
      ),
      ["401", "pass"],
    );
  } finally {
    client.close();
  }
});

Deno.test("a verbose log of authenticated pushes contains no secret", async () => {
  await using basic = await startRegistry({ mode: "basic" });
  await using bearer = await startRegistry({ mode: "bearer" });
  const logs = captureLogs(true);
  const tokens: string[] = [];
  try {
    for (const reg of [basic, bearer]) {
      const client = clientFor(reg);
      try {
        const repo = repoOf(reg, "team/app");
        await client.uploadBlob(repo, blobOf(randomBytes(1000)));
        await client.getManifest(repo, "absent").catch(() => {});
      } finally {
        client.close();
      }
    }
    tokens.push(await bearerToken(bearer, ["repository:team/app:pull"]));
  } finally {
    logs.restore();
  }
  const text = logs.lines.join("\n");
  equal(text.includes("pushed blob:"), true);
  equal(text.includes("--> PUT"), true);
  for (const reg of [basic, bearer]) {
    equal(text.includes(reg.password!), false, "password in the log");
    equal(text.includes(btoa(`${reg.username}:${reg.password}`)), false, "basic auth in the log");
  }
  equal(/eyJ[A-Za-z0-9_-]+\./.test(text), false, "a JWT in the log");
  equal(/authorization/i.test(text), false, "an Authorization header in the log");
});

Deno.test("TLS needs the registry's CA: an unknown issuer is a clear error", async () => {
  await using reg = await startRegistry({ mode: "tls" });
  const client = new RegistryClient({ trustSystemStore: false, retry: FAST_RETRY });
  try {
    await rejects(client.ping(reg.host), {
      name: "NetworkError",
      message:
        `cannot reach registry ${reg.host}: TLS handshake failed: invalid peer certificate: UnknownIssuer`,
    });
  } finally {
    client.close();
  }
});

Deno.test("a CA installed in the system bundle ($SSL_CERT_FILE) is trusted by default", async () => {
  await using reg = await startRegistry({ mode: "tls" });
  const previous = Deno.env.get("SSL_CERT_FILE");
  Deno.env.set("SSL_CERT_FILE", reg.caCertPath!);
  let client: RegistryClient | undefined;
  try {
    client = new RegistryClient({ keychain: () => Promise.resolve({}), retry: FAST_RETRY });
    equal((await client.ping(reg.host)).scheme, "https");
  } finally {
    if (previous === undefined) Deno.env.delete("SSL_CERT_FILE");
    else Deno.env.set("SSL_CERT_FILE", previous);
    client?.close();
  }
});

Deno.test("plain HTTP is a fallback only for local and --insecure-registry hosts", async () => {
  await using reg = await startRegistry({ mode: "plain" });
  // 0.0.0.0 reaches the loopback registry but is not a local name: HTTPS only, unless insecure.
  const port = reg.host.split(":")[1];
  const other = `0.0.0.0:${port}`;
  const strict = clientFor(reg);
  const insecure = clientFor(reg, { insecureRegistries: [other] });
  try {
    await rejects(strict.ping(other), {
      message:
        `cannot reach registry ${other}: TLS handshake failed: received corrupt message of type InvalidContentType`,
    });
    equal((await insecure.ping(other)).scheme, "http");
    deepEqual(await insecure.listTags(repoOf(other, "nothing/here")).catch((e) => e.codes), [
      "NAME_UNKNOWN",
    ]);
  } finally {
    strict.close();
    insecure.close();
  }
});

Deno.test("an unreachable registry is a one-line error", async () => {
  const host = `127.0.0.1:${freePort()}`;
  const client = new RegistryClient({ keychain: () => Promise.resolve({}), retry: FAST_RETRY });
  try {
    await rejects(client.getManifest(repoOf(host, "app"), "latest"), {
      name: "NetworkError",
      message: `cannot reach registry ${host}: connection refused`,
    });
  } finally {
    client.close();
  }
});
