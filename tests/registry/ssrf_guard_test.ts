/**
 * A registry cannot steer ko to internal addresses: a redirect, upload `Location` or `Link` to
 * a loopback, private or link-local address other than the registry's own host is refused with
 * one line naming the target, and nothing is sent there. The registry's own host name on
 * another port is still followed, and credentials never go to another host. The real registry
 * serves everything, behind a proxy that injects the hostile answers.
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import { sha256Digest } from "../../src/oci/digest.ts";
import { startFaultProxy } from "../helpers/fault_proxy.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { blobOf, clientFor, randomBytes, repoOf } from "./support.ts";

/** A server on `hostname` recording each request's method, path and Authorization. */
function recorder(hostname: string, status = 201) {
  const seen: string[] = [];
  const server = Deno.serve({ hostname, port: 0, onListen: () => {} }, async (req) => {
    await req.body?.cancel();
    seen.push(`${req.method} ${new URL(req.url).pathname} ${req.headers.get("authorization")}`);
    return new Response(null, { status });
  });
  return {
    host: `${hostname}:${server.addr.port}`,
    seen,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("an upload Location on another internal host is refused and gets no byte", async () => {
  await using reg = await startRegistry({ mode: "basic" });
  await using elsewhere = recorder("127.0.0.2");
  const target = `http://${elsewhere.host}/v2/team/app/blobs/uploads/x?_state=s`;
  await using proxy = await startFaultProxy(
    reg.host,
    ({ method }) => method === "POST" ? { status: 202, headers: { location: target } } : "pass",
  );
  const client = clientFor(reg);
  try {
    await rejects(client.uploadBlob(repoOf(proxy.host, "team/app"), blobOf(randomBytes(5000))), {
      name: "KoError",
      message: `POST ${proxy.host}/team/app blob upload: refusing the upload location on ` +
        `${elsewhere.host}, a loopback address that is not the registry's (${proxy.host})`,
    });
    deepEqual(elsewhere.seen, []);
  } finally {
    client.close();
  }
});

Deno.test("a blob redirect to an internal address other than the registry's is refused", async () => {
  await using reg = await startRegistry();
  await using elsewhere = recorder("127.0.0.2", 200);
  const port = elsewhere.host.split(":")[1];
  const targets: Record<string, string> = {
    [`http://${elsewhere.host}/blob`]: `${elsewhere.host}, a loopback`,
    [`http://localhost:${port}/blob`]: `localhost:${port}, a loopback`,
    [`http://[::ffff:127.0.0.2]:${port}/blob`]: `[::ffff:7f00:2]:${port}, a loopback`,
    "http://10.20.30.40/blob": "10.20.30.40, a private",
    "https://[fd00::1]/blob": "[fd00::1], a private",
    "http://169.254.169.254/latest/meta-data/": "169.254.169.254, a link-local",
  };
  let location = "";
  await using proxy = await startFaultProxy(
    reg.host,
    ({ path }) => path.includes("/blobs/") ? { status: 307, headers: { location } } : "pass",
  );
  const client = clientFor(reg);
  const digest = sha256Digest("anything");
  try {
    for (const [to, named] of Object.entries(targets)) {
      location = to;
      await rejects(client.getBlobBytes(repoOf(proxy.host, "team/app"), digest), {
        name: "KoError",
        message: `GET http://${proxy.host}/v2/team/app/blobs/${digest}: refusing the redirect ` +
          `to ${named} address that is not the registry's (${proxy.host})`,
      }, to);
    }
    deepEqual(elsewhere.seen, []);
  } finally {
    client.close();
  }
});

Deno.test("an upload Location on the registry's host name, another port, gets no credentials", async () => {
  await using reg = await startRegistry({ mode: "basic" });
  await using storage = recorder("127.0.0.1");
  await using proxy = await startFaultProxy(
    reg.host,
    ({ method }) =>
      method === "POST"
        ? { status: 202, headers: { location: `http://${storage.host}/upload/1` } }
        : "pass",
  );
  const client = clientFor(reg);
  try {
    equal(
      await client.uploadBlob(repoOf(proxy.host, "team/app"), blobOf(randomBytes(5000))),
      "pushed",
    );
    deepEqual(storage.seen, ["PUT /upload/1 null"]);
    equal(proxy.requests.some((r) => r.method === "POST"), true);
  } finally {
    client.close();
  }
});

Deno.test("a tag list Link to another internal host is refused", async () => {
  await using reg = await startRegistry();
  await using elsewhere = recorder("127.0.0.2", 200);
  const next = `http://${elsewhere.host}/v2/team/app/tags/list?last=a`;
  await using proxy = await startFaultProxy(reg.host, ({ path }) =>
    path.endsWith("/tags/list")
      ? {
        status: 200,
        body: '{"name":"team/app","tags":["a"]}',
        headers: { link: `<${next}>; rel="next"` },
      }
      : "pass");
  const client = clientFor(reg);
  try {
    await rejects(client.listTags(repoOf(proxy.host, "team/app")), {
      message: `GET ${proxy.host}/team/app tags: refusing the next page on ${elsewhere.host}, ` +
        `a loopback address that is not the registry's (${proxy.host})`,
    });
    deepEqual(elsewhere.seen, []);
  } finally {
    client.close();
  }
});
