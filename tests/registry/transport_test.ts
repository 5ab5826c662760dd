/**
 * Protocol edges the Debian registry cannot produce, served by small local HTTP servers: blob
 * redirects to a storage host (Authorization must not follow), `Warning` headers, tag
 * pagination with `Link`, the referrers API, token endpoints without OAuth2, odd challenges.
 * The real registry covers everything else (client_test, auth_test, upload_test).
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import { sha256Digest } from "../../src/oci/digest.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { RegistryClient } from "../../src/registry/client.ts";
import { nextLink } from "../../src/registry/tags.ts";
import { createTransport } from "../../src/registry/transport.ts";
import { parseWarnings } from "../../src/registry/warnings.ts";
import { startFaultProxy } from "../helpers/fault_proxy.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { freePort } from "../helpers/tools.ts";
import { captureLogs, FAST_RETRY, readAll, repoOf } from "./support.ts";

interface Seen {
  method: string;
  path: string;
  authorization: string | null;
  userAgent: string | null;
}

/** A local HTTP server recording what it was sent. */
function serve(handler: (req: Request, url: URL) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const url = new URL(req.url);
    seen.push({
      method: req.method,
      path: url.pathname + url.search,
      authorization: req.headers.get("authorization"),
      userAgent: req.headers.get("user-agent"),
    });
    return handler(req, url);
  });
  const host = `127.0.0.1:${server.addr.port}`;
  return {
    host,
    url: `http://${host}`,
    seen,
    stop: () => server.shutdown(),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

const BASIC = `Basic ${btoa("user:pass")}`;
const client = (opts: ConstructorParameters<typeof RegistryClient>[0] = {}) =>
  new RegistryClient({
    keychain: () => Promise.resolve({ username: "user", password: "pass" }),
    retry: FAST_RETRY,
    userAgent: "ko/test-version",
    ...opts,
  });

Deno.test("a blob redirect to another host is followed without Authorization", async () => {
  const bytes = new TextEncoder().encode("layer bytes from storage");
  const digest = sha256Digest(bytes);
  await using storage = serve(() => new Response(bytes));
  await using registry = serve((req, url) => {
    if (req.headers.get("authorization") !== BASIC) {
      return new Response(null, {
        status: 401,
        headers: { "www-authenticate": 'Basic realm="r"' },
      });
    }
    if (url.pathname === "/v2/") return new Response("{}");
    if (url.pathname.startsWith("/v2/team/app/blobs/")) {
      // First a same-host hop, then off to the storage host.
      if (!url.searchParams.has("hop")) {
        return new Response(null, { status: 302, headers: { location: `${url.pathname}?hop=1` } });
      }
      return new Response(null, {
        status: 307,
        headers: { location: `${storage.url}/bucket/${digest}?sig=abc` },
      });
    }
    return new Response("not found", { status: 404 });
  });
  const c = client();
  try {
    deepEqual(await c.getBlobBytes(repoOf(registry.host, "team/app"), digest), bytes);
    deepEqual(storage.seen.map((s) => [s.path, s.authorization]), [
      [`/bucket/${digest}?sig=abc`, null],
    ]);
    const blobHops = registry.seen.filter((s) => s.path.includes("/blobs/"));
    deepEqual(blobHops.map((s) => s.authorization), [BASIC, BASIC]);
    equal(storage.seen[0]!.userAgent, "ko/test-version");
  } finally {
    c.close();
  }
});

Deno.test("redirect loops stop after 10 hops with a clear error", async () => {
  await using loop = serve((_req, url) =>
    new Response(null, { status: 307, headers: { location: `${url.pathname}x` } })
  );
  const t = createTransport({ retry: FAST_RETRY });
  try {
    await rejects(
      t.send({ method: "GET", url: new URL(`${loop.url}/a`), registry: loop.host }),
      { message: `GET ${loop.url}/a: more than 10 redirects` },
    );
  } finally {
    t.close();
  }
});

Deno.test("Warning headers are logged once each", async () => {
  await using reg = serve(() =>
    new Response("{}", {
      headers: { warning: '299 - "this registry is deprecated", 299 - "use \\"new\\" host"' },
    })
  );
  const logs = captureLogs();
  const t = createTransport({ retry: FAST_RETRY });
  try {
    for (let i = 0; i < 3; i++) {
      const res = await t.send({
        method: "GET",
        url: new URL(`${reg.url}/v2/`),
        registry: reg.host,
      });
      await res.body?.cancel();
    }
  } finally {
    t.close();
    logs.restore();
  }
  deepEqual(logs.lines.map((l) => l.replace(/^\S+ \S+ /, "")), [
    `WARNING: registry ${reg.host}: this registry is deprecated`,
    `WARNING: registry ${reg.host}: use "new" host`,
  ]);
  deepEqual(parseWarnings('299 registry.example "a, b"'), ["a, b"]);
});

Deno.test("listTags follows Link pagination, relative and absolute", async () => {
  const all = ["a", "b", "c", "d", "e"];
  await using reg = serve((_req, url) => {
    if (url.pathname === "/v2/") return new Response("{}");
    const last = url.searchParams.get("last");
    const start = last === null ? 0 : all.indexOf(last) + 1;
    const page = all.slice(start, start + 2);
    const headers = new Headers({ "content-type": "application/json" });
    if (start + 2 < all.length) {
      const next = `/v2/team/app/tags/list?n=2&last=${page.at(-1)}`;
      headers.set(
        "link",
        start === 0 ? `<${next}>; rel="next"` : `<${url.origin}${next}>; rel=next`,
      );
    }
    return new Response(JSON.stringify({ name: "team/app", tags: page }), { headers });
  });
  const c = client();
  try {
    deepEqual(await c.listTags(repoOf(reg.host, "team/app")), all);
    deepEqual(reg.seen.filter((s) => s.path.includes("/tags/")).map((s) => s.path), [
      "/v2/team/app/tags/list?n=1000",
      "/v2/team/app/tags/list?n=2&last=b",
      "/v2/team/app/tags/list?n=2&last=d",
    ]);
  } finally {
    c.close();
  }
  equal(nextLink('<https://r/x?last=1>; rel="prev", </y>; rel="next"'), "/y");
  equal(nextLink(null), undefined);
});

Deno.test("getReferrers returns the index, filtered by artifactType when the registry did not", async () => {
  const subject = sha256Digest("subject");
  const index = {
    schemaVersion: 2,
    mediaType: MediaType.OciIndex,
    manifests: [
      {
        mediaType: MediaType.OciManifest,
        digest: sha256Digest("a"),
        size: 1,
        artifactType: "application/spdx+json",
      },
      {
        mediaType: MediaType.OciManifest,
        digest: sha256Digest("b"),
        size: 1,
        artifactType: "application/vnd.dev.sig",
      },
    ],
  };
  await using reg = serve((_req, url) => {
    if (url.pathname === "/v2/") return new Response("{}");
    if (url.pathname === `/v2/team/app/referrers/${subject}`) {
      return new Response(JSON.stringify(index), {
        headers: { "content-type": MediaType.OciIndex },
      });
    }
    if (url.pathname.startsWith("/v2/html/referrers/")) {
      return new Response("<html></html>", { headers: { "content-type": "text/html" } });
    }
    return new Response('{"errors":[{"code":"NAME_UNKNOWN","message":"x"}]}', { status: 404 });
  });
  const c = client();
  try {
    const all = await c.getReferrers(repoOf(reg.host, "team/app"), subject);
    equal(all?.manifests.length, 2);
    const sboms = await c.getReferrers(
      repoOf(reg.host, "team/app"),
      subject,
      "application/spdx+json",
    );
    deepEqual(sboms?.manifests.map((d) => d.artifactType), ["application/spdx+json"]);
    equal(
      reg.seen.at(-1)!.path,
      `/v2/team/app/referrers/${subject}?artifactType=application%2Fspdx%2Bjson`,
    );
    equal(await c.getReferrers(repoOf(reg.host, "html"), subject), undefined);
    equal(await c.getReferrers(repoOf(reg.host, "other"), subject), undefined);
  } finally {
    c.close();
  }
});

Deno.test("an identity token falls back to a GET token request when OAuth2 POST answers 404", async () => {
  await using auth = serve((req, url) => {
    if (req.method === "POST") return new Response("no oauth here", { status: 404 });
    return Response.json({
      token: `t-${url.searchParams.getAll("scope").join("+")}`,
      expires_in: 300,
    });
  });
  await using reg = serve((req, url) => {
    const ok = req.headers.get("authorization") === "Bearer t-repository:team/app:pull";
    if (url.pathname !== "/v2/" && ok) {
      return new Response('{"name":"team/app","tags":["v1"]}');
    }
    return new Response(null, {
      status: 401,
      headers: { "www-authenticate": `Bearer realm="${auth.url}/token",service="svc"` },
    });
  });
  const c = client({ keychain: () => Promise.resolve({ identityToken: "refresh-me" }) });
  try {
    deepEqual(await c.listTags(repoOf(reg.host, "team/app")), ["v1"]);
    deepEqual(auth.seen.map((s) => s.method), ["POST", "GET"]);
    equal(auth.seen[1]!.path, "/token?service=svc&scope=repository%3Ateam%2Fapp%3Apull");
  } finally {
    c.close();
  }
});

Deno.test("unsupported or malformed challenges are clear errors", async () => {
  await using negotiate = serve(() =>
    new Response(null, { status: 401, headers: { "www-authenticate": "Negotiate" } })
  );
  await using broken = serve(() =>
    new Response(null, { status: 401, headers: { "www-authenticate": 'Bearer realm="https://x' } })
  );
  await using silent = serve(() => new Response(null, { status: 401 }));
  const c = client();
  try {
    await rejects(c.ping(negotiate.host), {
      message:
        `registry ${negotiate.host} asks for unsupported authentication "negotiate": only Basic and Bearer are supported`,
    });
    await rejects(c.ping(broken.host), {
      message:
        'malformed WWW-Authenticate header "Bearer realm="https://x": unterminated quoted string',
    });
    await rejects(c.ping(silent.host), {
      message:
        `registry ${silent.host} answered 401 to GET /v2/ without a WWW-Authenticate challenge`,
    });
  } finally {
    c.close();
  }
});

Deno.test("bad input is refused before any request", async () => {
  const c = client();
  try {
    const repo = repoOf("127.0.0.1:9", "app");
    await rejects(c.getManifest(repo, "sha256:abc"), {
      message: 'invalid digest "sha256:abc": sha256 needs 64 lowercase hex characters',
    });
    await rejects(c.getManifest(repo, "-bad"), /^KoError: invalid tag "-bad"/);
    await rejects(c.headBlob(repo, "md5:x"), { name: "KoError" });
    await rejects(
      c.putManifest(repo, sha256Digest("other"), new Uint8Array([1]), MediaType.OciManifest),
      /the manifest bytes have digest sha256:/,
    );
  } finally {
    c.close();
  }
});

Deno.test("content that does not match the requested digest is refused", async () => {
  await using reg = await startRegistry();
  const wanted = sha256Digest("the real manifest");
  await using proxy = await startFaultProxy(
    reg.host,
    (r) =>
      r.path.includes("/manifests/") || r.path.includes("/blobs/")
        ? {
          status: 200,
          body: '{"schemaVersion":2}',
          headers: { "content-type": MediaType.OciManifest },
        }
        : "pass",
  );
  const c = client({ keychain: () => Promise.resolve({}) });
  try {
    const repo = repoOf(proxy.host, "team/app");
    await rejects(c.getManifest(repo, wanted), {
      message:
        `GET ${proxy.host}/team/app manifest ${wanted}: error verifying sha256 checksum: the registry sent content with digest ${
          sha256Digest('{"schemaVersion":2}')
        }`,
    });
    await rejects(
      c.getBlobBytes(repo, wanted),
      /error verifying sha256 checksum: the registry sent/,
    );
    await rejects(readAll(await c.getBlob(repo, wanted)), /error verifying sha256 checksum/);
  } finally {
    c.close();
  }
});

Deno.test("headManifest treats 403 as absent; putManifest checks Docker-Content-Digest", async () => {
  await using reg = await startRegistry();
  const bogus = sha256Digest("not what was sent");
  await using proxy = await startFaultProxy(reg.host, (r) => {
    if (r.method === "HEAD" && r.path.endsWith("/manifests/forbidden")) {
      return { status: 403, body: '{"errors":[{"code":"DENIED","message":"no"}]}' };
    }
    if (r.method === "PUT" && r.path.includes("/manifests/")) {
      return { status: 201, headers: { "docker-content-digest": bogus } };
    }
    return "pass";
  });
  const c = client({ keychain: () => Promise.resolve({}) });
  try {
    const repo = repoOf(proxy.host, "team/app");
    equal(await c.headManifest(repo, "forbidden"), undefined);
    const bytes = new TextEncoder().encode("{}");
    await rejects(c.putManifest(repo, "v1", bytes, MediaType.OciManifest), {
      message:
        `PUT ${proxy.host}/team/app manifest v1: the registry stored digest ${bogus}, expected ${
          sha256Digest(bytes)
        }`,
    });
  } finally {
    c.close();
  }
});

Deno.test("a retry wait the user would notice (Retry-After) is logged without -v", async () => {
  let calls = 0;
  await using reg = serve(() =>
    ++calls === 1
      ? new Response("slow down", { status: 429, headers: { "retry-after": "1" } })
      : new Response("{}")
  );
  const logs = captureLogs();
  const t = createTransport({ retry: FAST_RETRY });
  try {
    const res = await t.send({ method: "GET", url: new URL(`${reg.url}/v2/`), registry: reg.host });
    equal(res.status, 200);
    await res.body?.cancel();
  } finally {
    t.close();
    logs.restore();
  }
  equal(calls, 2);
  deepEqual(logs.lines.map((l) => l.replace(/^\S+ \S+ /, "")), [
    `${reg.host} answered 429 to GET ${reg.url}/v2/; retrying in 1 s`,
  ]);
});

Deno.test("an unreachable token endpoint is one line naming it", async () => {
  const closed = `127.0.0.1:${freePort()}`;
  await using reg = serve(() =>
    new Response(null, {
      status: 401,
      headers: { "www-authenticate": `Bearer realm="http://${closed}/token",service="reg"` },
    })
  );
  const c = client();
  try {
    await rejects(c.getManifest(repoOf(reg.host, "team/app"), "latest"), {
      name: "NetworkError",
      message:
        `getting a token for ${reg.host} from http://${closed}/token: cannot reach ${closed}: connection refused`,
    });
  } finally {
    c.close();
  }
});
