import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import {
  basicAuthorization,
  bearerToken,
  registryFetch,
  skopeoOptions,
} from "../helpers/registry_http.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { createSigningIdentity, testSigningIdentity } from "../helpers/test_certs.ts";
import { signRegistryToken } from "../helpers/token_server.ts";
import { skopeoInspect } from "../helpers/tools.ts";

async function status(url: string, init: RequestInit & { client?: Deno.HttpClient } = {}) {
  const res = await fetch(url, init);
  await res.body?.cancel();
  return res;
}

async function isListening(host: string): Promise<boolean> {
  const [hostname, port] = host.split(":");
  try {
    const conn = await Deno.connect({ hostname: hostname!, port: Number(port) });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

Deno.test("plain registry answers /v2/ with 200 on loopback and frees its port on stop", async () => {
  const reg = await startRegistry();
  try {
    match(reg.host, /^127\.0\.0\.1:\d+$/);
    equal(reg.url, `http://${reg.host}`);
    equal(reg.mode, "plain");
    const res = await status(`${reg.url}/v2/`);
    equal(res.status, 200);
    equal(res.headers.get("docker-distribution-api-version"), "registry/2.0");
  } finally {
    await reg.stop();
  }
  equal(await isListening(reg.host), false);
  await reg.stop(); // idempotent
});

Deno.test("filesystem storage round-trips a pushed image", async () => {
  await using reg = await startRegistry({ storage: "filesystem" });
  const bases = await pushFixtureBases(reg);
  const raw = await skopeoInspect(bases.ociImage.ref, { raw: true });
  equal(raw.mediaType, "application/vnd.oci.image.manifest.v1+json");
});

Deno.test("basic registry challenges with Basic and accepts only the generated credentials", async () => {
  await using reg = await startRegistry({ mode: "basic" });
  ok(reg.username && reg.password);
  const anon = await status(`${reg.url}/v2/`);
  equal(anon.status, 401);
  equal(anon.headers.get("www-authenticate"), 'Basic realm="basic-realm"');
  equal(
    (await status(`${reg.url}/v2/`, { headers: { authorization: basicAuthorization(reg) } }))
      .status,
    200,
  );
  const wrong = `Basic ${btoa(`${reg.username}:nope`)}`;
  equal((await status(`${reg.url}/v2/`, { headers: { authorization: wrong } })).status, 401);

  const bases = await pushFixtureBases(reg);
  const inspected = await skopeoInspect(bases.ociImage.ref, skopeoOptions(reg));
  equal(inspected.Digest, bases.ociImage.digest);
  await rejects(skopeoInspect(bases.ociImage.ref), /unauthorized|authentication required/i);
});

Deno.test("bearer registry verifies real signed tokens from its token server", async (t) => {
  await using reg = await startRegistry({ mode: "bearer" });
  const realm = reg.tokenRealm!;

  await t.step("/v2/ challenges with the token realm and service", async () => {
    const res = await status(`${reg.url}/v2/`);
    equal(res.status, 401);
    equal(
      res.headers.get("www-authenticate"),
      `Bearer realm="${realm}",service="${reg.tokenService}"`,
    );
  });

  await t.step(
    "pushes and skopeo inspects with credentials, round-tripping the digest",
    async () => {
      const bases = await pushFixtureBases(reg);
      const creds = `${reg.username}:${reg.password}`;
      const inspected = await skopeoInspect(bases.ociIndex.ref, { creds, raw: true });
      equal(inspected.mediaType, "application/vnd.oci.image.index.v1+json");
      const res = await registryFetch(reg, `/v2/fixtures/oci-image/manifests/latest`, {
        method: "HEAD",
        headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
      });
      equal(res.headers.get("docker-content-digest"), bases.ociImage.digest);
      ok(reg.tokenRequests!.some((r) => r.account === reg.username && r.scopes.length > 0));
    },
  );

  await t.step("anonymous tokens open /v2/ but no repository", async () => {
    const q = new URLSearchParams({
      service: reg.tokenService!,
      scope: "repository:fixtures/oci-image:pull",
    });
    const body = await (await fetch(`${realm}?${q}`)).json();
    const auth = { authorization: `Bearer ${body.token}` };
    equal((await status(`${reg.url}/v2/`, { headers: auth })).status, 200);
    const res = await status(`${reg.url}/v2/fixtures/oci-image/tags/list`, { headers: auth });
    equal(res.status, 401);
    match(res.headers.get("www-authenticate") ?? "", /error="insufficient_scope"/);
  });

  await t.step("wrong credentials get 401 from the token server", async () => {
    const res = await status(`${realm}?service=${reg.tokenService}`, {
      headers: { authorization: `Basic ${btoa(`${reg.username}:wrong`)}` },
    });
    equal(res.status, 401);
  });

  await t.step("a token signed by another key is rejected as invalid_token", async () => {
    const other = await createSigningIdentity("ko-test-intruder");
    const token = signRegistryToken(other, {
      issuer: reg.tokenIssuer!,
      service: reg.tokenService!,
      access: [{ type: "repository", name: "fixtures/oci-image", actions: ["pull"] }],
    });
    const res = await status(`${reg.url}/v2/fixtures/oci-image/tags/list`, {
      headers: { authorization: `Bearer ${token}` },
    });
    equal(res.status, 401);
    match(res.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
  });

  await t.step("a token naming its key by libtrust kid is accepted too", async () => {
    const token = signRegistryToken(await testSigningIdentity(), {
      issuer: reg.tokenIssuer!,
      service: reg.tokenService!,
      keyReference: "kid",
      access: [{ type: "repository", name: "fixtures/oci-image", actions: ["pull"] }],
    });
    const res = await status(`${reg.url}/v2/fixtures/oci-image/tags/list`, {
      headers: { authorization: `Bearer ${token}` },
    });
    equal(res.status, 200);
  });

  await t.step(
    "OAuth2 POST: password grant returns a refresh token the refresh grant accepts",
    async () => {
      const form = (fields: Record<string, string>) =>
        fetch(realm, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            service: reg.tokenService!,
            scope: "repository:fixtures/oci-image:pull",
            client_id: "ko-test",
            ...fields,
          }),
        }).then(async (r) => ({ status: r.status, body: await r.json() }));
      const first = await form({
        grant_type: "password",
        username: reg.username!,
        password: reg.password!,
      });
      equal(first.status, 200);
      deepEqual(Object.keys(first.body).sort(), [
        "access_token",
        "expires_in",
        "issued_at",
        "refresh_token",
        "token",
      ]);
      const second = await form({
        grant_type: "refresh_token",
        refresh_token: first.body.refresh_token,
      });
      equal(second.status, 200);
      const res = await status(`${reg.url}/v2/fixtures/oci-image/tags/list`, {
        headers: { authorization: `Bearer ${second.body.access_token}` },
      });
      equal(res.status, 200);
      equal((await form({ grant_type: "refresh_token", refresh_token: "bogus" })).status, 401);
    },
  );

  await t.step(
    "GET with offline_token=true returns a refresh token; repeated scopes are all granted",
    async () => {
      const q = new URLSearchParams({ service: reg.tokenService!, offline_token: "true" });
      q.append("scope", "repository:a/b:pull");
      q.append("scope", "repository:c/d:push,pull");
      const res = await fetch(`${realm}?${q}`, {
        headers: { authorization: basicAuthorization(reg) },
      });
      const body = await res.json();
      ok(typeof body.refresh_token === "string");
      const claims = JSON.parse(
        atob(body.token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")),
      );
      deepEqual(claims.access, [
        { type: "repository", name: "a/b", actions: ["pull"] },
        { type: "repository", name: "c/d", actions: ["push", "pull"] },
      ]);
      equal(claims.aud, reg.tokenService);
      ok(await bearerToken(reg, ["repository:a/b:pull"]));
    },
  );
});

Deno.test("tls registry serves HTTPS with a leaf trusted only through the test CA", async () => {
  await using reg = await startRegistry({ mode: "tls" });
  match(reg.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  equal((await status(`${reg.url}/v2/`, { client: reg.httpClient! })).status, 200);
  await rejects(fetch(`${reg.url}/v2/`));
  const bases = await pushFixtureBases(reg);
  const inspected = await skopeoInspect(bases.ociImage.ref, skopeoOptions(reg));
  equal(inspected.Digest, bases.ociImage.digest);
});
