import { deepEqual, equal } from "node:assert/strict";
import {
  classifyNetworkError,
  errorFromResponse,
  formatErrorEntries,
  parseErrorBody,
  RegistryError,
  summarizeBody,
} from "../../src/registry/http_errors.ts";

const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers });

Deno.test("errorFromResponse turns a registry error body into one line with context", async () => {
  const err = await errorFromResponse(
    json({
      errors: [{
        code: "MANIFEST_BLOB_UNKNOWN",
        message: "blob unknown to registry",
        detail: "sha256:" + "a".repeat(64),
      }],
    }, 400),
    "PUT 127.0.0.1:5000/app manifest latest",
    "127.0.0.1:5000",
  );
  equal(err instanceof RegistryError, true);
  equal(err.status, 400);
  deepEqual(err.codes, ["MANIFEST_BLOB_UNKNOWN"]);
  equal(
    err.message,
    `PUT 127.0.0.1:5000/app manifest latest: MANIFEST_BLOB_UNKNOWN: blob unknown to registry (sha256:${
      "a".repeat(64)
    })`,
  );
});

Deno.test("errorFromResponse hints at ko login on UNAUTHORIZED and DENIED", async () => {
  const unauthorized = await errorFromResponse(
    json(
      { errors: [{ code: "UNAUTHORIZED", message: "authentication required", detail: null }] },
      401,
    ),
    "HEAD r.example/app blob sha256:x",
    "r.example",
  );
  equal(
    unauthorized.message,
    'HEAD r.example/app blob sha256:x: UNAUTHORIZED: authentication required: log in with "ko login r.example"',
  );
  const denied = await errorFromResponse(
    json(
      { errors: [{ code: "DENIED", message: "requested access to the resource is denied" }] },
      403,
    ),
    "PUT r.example/app manifest v1",
    "r.example",
  );
  equal(
    denied.message,
    'PUT r.example/app manifest v1: DENIED: requested access to the resource is denied: check that your credentials for r.example grant this access, or log in with "ko login r.example"',
  );
});

Deno.test("errorFromResponse says whether credentials were sent, and from where", async () => {
  const denied = () =>
    json(
      { errors: [{ code: "DENIED", message: "requested access to the resource is denied" }] },
      403,
    );
  const ctx = "PUT r.example/app manifest v1";
  const msg = async (res: Response, auth: Parameters<typeof errorFromResponse>[3]) =>
    (await errorFromResponse(res, ctx, "r.example", auth)).message;
  equal(
    await msg(denied(), { found: false, refusedOn401: false }),
    `${ctx}: DENIED: requested access to the resource is denied: no credentials for r.example were found: log in with "ko login r.example"`,
  );
  equal(
    await msg(denied(), { found: true, source: "docker-credential-pass", refusedOn401: true }),
    `${ctx}: DENIED: requested access to the resource is denied: check that the credentials for r.example from docker-credential-pass grant this access, or log in with "ko login r.example"`,
  );
  const unauthorized = () => new Response(null, { status: 401, statusText: "Unauthorized" });
  equal(
    await msg(unauthorized(), {
      found: true,
      source: "/c/config.json (r.example)",
      refusedOn401: true,
    }),
    `${ctx}: 401 Unauthorized: the credentials for r.example from /c/config.json (r.example) were refused: log in with "ko login r.example"`,
  );
  equal(
    await msg(unauthorized(), { found: true, refusedOn401: false }),
    `${ctx}: 401 Unauthorized: check that the credentials for r.example grant this access, or log in with "ko login r.example"`,
  );
});

Deno.test("errorFromResponse joins several errors and renders object details compactly", async () => {
  const err = await errorFromResponse(
    json({
      errors: [
        {
          code: "NAME_UNKNOWN",
          message: "repository name not known to registry",
          detail: { name: "app" },
        },
        { code: "TOOMANYREQUESTS", message: "slow down" },
      ],
    }, 404),
    "GET h/app tags",
    "h",
  );
  equal(
    err.message,
    "GET h/app tags: NAME_UNKNOWN: repository name not known to registry (app); TOOMANYREQUESTS: slow down",
  );
});

Deno.test("errorFromResponse summarises non-JSON bodies by status and first line", async () => {
  const err = await errorFromResponse(
    new Response("\n<html>Bad Gateway from the proxy</html>\nmore", {
      status: 502,
      statusText: "Bad Gateway",
    }),
    "GET h/app manifest v1",
    "h",
  );
  equal(err.message, "GET h/app manifest v1: 502 Bad Gateway: Bad Gateway from the proxy more");
  // nginx's error page: its title, which the status already says.
  const nginx = await errorFromResponse(
    new Response(
      "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n" +
        "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
      { status: 502, statusText: "Bad Gateway" },
    ),
    "PATCH h/app blob d",
    "h",
  );
  equal(nginx.message, "PATCH h/app blob d: 502 Bad Gateway");
  equal(
    summarizeBody(
      503,
      "Service Unavailable",
      "<!DOCTYPE html><html><body><h1>Down</h1><p>for maintenance &amp; upgrades</p></body></html>",
    ),
    "503 Service Unavailable: Down for maintenance & upgrades",
  );
  const empty = await errorFromResponse(
    new Response(null, { status: 500 }),
    "HEAD h/x blob d",
    "h",
  );
  equal(empty.message, "HEAD h/x blob d: 500");
  equal(summarizeBody(503, "", "x".repeat(300)).length, "503: ".length + 200 + 1);
});

Deno.test("errorFromResponse keeps Retry-After for the retry loop", async () => {
  const err = await errorFromResponse(
    new Response("busy", { status: 429, headers: { "retry-after": "2" } }),
    "GET h/x manifest v1",
    "h",
  );
  equal(err.retryAfterMs, 2000);
});

Deno.test("parseErrorBody rejects bodies that are not registry errors", () => {
  equal(parseErrorBody("not json"), undefined);
  equal(parseErrorBody("{}"), undefined);
  equal(parseErrorBody('{"errors":[]}'), undefined);
  deepEqual(parseErrorBody('{"errors":[{"message":"m"}]}'), [{ code: "UNKNOWN", message: "m" }]);
  equal(formatErrorEntries([{ code: "UNSUPPORTED", message: "" }]), "UNSUPPORTED");
});

Deno.test("classifyNetworkError names refused, reset, closed, DNS and TLS failures", () => {
  const fetchError = (inner: string) => new TypeError("fetch failed", { cause: new Error(inner) });
  const refused = classifyNetworkError(fetchError(
    "error sending request for url (http://127.0.0.1:9/v2/): client error (Connect): tcp connect error: Connection refused (os error 111)",
  ));
  deepEqual(refused, { reason: "connection refused", retryable: true, tls: false, refused: true });
  const closed = classifyNetworkError(fetchError(
    "error sending request from 127.0.0.1:1 for http://127.0.0.1:2/v2/ (127.0.0.1:2): client error (SendRequest): connection closed before message completed",
  ));
  equal(closed.reason, "connection closed by the server");
  equal(closed.retryable, true);
  const tls = classifyNetworkError(fetchError(
    "error sending request for url (https://127.0.0.1:2/v2/): client error (Connect): invalid peer certificate: UnknownIssuer",
  ));
  equal(tls.tls, true);
  equal(tls.retryable, false);
  equal(tls.reason, "TLS handshake failed: invalid peer certificate: UnknownIssuer");
  const dns = classifyNetworkError(fetchError(
    "error sending request for url (http://nope.invalid/v2/): client error (Connect): dns error: failed to lookup address information: Name or service not known",
  ));
  equal(dns.retryable, false);
  equal(dns.reason.startsWith("cannot resolve host name"), true);
  equal(
    classifyNetworkError(new TypeError("error reading a body from connection")).retryable,
    true,
  );
  equal(
    classifyNetworkError(fetchError("Connection reset by peer (os error 104)")).reason,
    "connection reset",
  );
});
