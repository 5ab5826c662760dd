/**
 * AWS Signature Version 4 (src/registry/cloud/sigv4.ts, used for ECR's
 * GetAuthorizationToken): AWS's published test-suite vectors (tests/testdata/sigv4), and
 * botocore's signatures for an ECR request with and without a session token.
 */
import { equal } from "node:assert/strict";
import {
  authorizationHeader,
  canonicalRequest,
  signature,
  stringToSign,
} from "../../src/registry/cloud/sigv4.ts";
import { bytesToHex, sha256 } from "../../src/deps/noble_hashes.ts";
import { botocoreSign, botocoreUnavailableReason } from "../helpers/botocore_sigv4.ts";
import { requires } from "../helpers/requires.ts";

const SUITE = new URL("../testdata/sigv4/", import.meta.url);

interface Context {
  credentials: { access_key_id: string; secret_access_key: string; token?: string };
  region: string;
  service: string;
  sign_body: boolean;
  timestamp: string;
}

/** A suite request (`METHOD target HTTP/1.1`, `Name:value` lines, blank line, body). */
function parseRequest(
  text: string,
): { method: string; url: URL; headers: Record<string, string>; body: string } {
  const [head, ...rest] = text.split("\n\n");
  const [start, ...lines] = head!.split("\n");
  const [method, target] = start!.split(" ") as [string, string];
  const headers: Record<string, string> = {};
  for (const line of lines.filter((l) => l !== "")) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return {
    method,
    url: new URL(`https://${headers.Host}${target}`),
    headers,
    body: rest.join("\n\n"),
  };
}

const read = (c: string, f: string) => Deno.readTextFile(new URL(`${c}/${f}`, SUITE));

for (
  const name of [
    "get-vanilla",
    "post-vanilla",
    "get-vanilla-query-order-key-case",
    "post-sts-header-before",
    "post-x-www-form-urlencoded",
  ]
) {
  Deno.test(`SigV4 test suite: ${name}`, async () => {
    const ctx: Context = JSON.parse(await read(name, "context.json"));
    const req = parseRequest(await read(name, "request.txt"));
    const amzDate = ctx.timestamp.replace(/[-:]/g, "");
    const body = new TextEncoder().encode(req.body);
    const headers: Record<string, string> = { ...req.headers, "X-Amz-Date": amzDate };
    if (ctx.credentials.token) headers["X-Amz-Security-Token"] = ctx.credentials.token;
    if (ctx.sign_body) headers["x-amz-content-sha256"] = bytesToHex(sha256(body));
    const scope = { region: ctx.region, service: ctx.service, amzDate };
    const canonical = canonicalRequest({ method: req.method, url: req.url, headers, body });
    equal(canonical, await read(name, "header-canonical-request.txt"));
    const toSign = stringToSign(canonical, scope);
    equal(toSign, await read(name, "header-string-to-sign.txt"));
    equal(
      signature(ctx.credentials.secret_access_key, toSign, scope),
      await read(name, "header-signature.txt"),
    );
  });
}

const noBotocore = await botocoreUnavailableReason();

Deno.test({
  ...requires("ECR GetAuthorizationToken is signed as botocore signs it", noBotocore),
  async fn() {
    const url = new URL("https://api.ecr.eu-west-3.amazonaws.com/");
    const body = JSON.stringify({ registryIds: ["123456789012"] });
    for (const sessionToken of [undefined, "FQoGZXIvYXdzEXAMPLE//token+with/slashes=="]) {
      const headers: Record<string, string> = {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-date": "20260807T101112Z",
        "x-amz-target": "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken",
        ...(sessionToken ? { "x-amz-security-token": sessionToken } : {}),
      };
      const credentials = {
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        ...(sessionToken ? { sessionToken } : {}),
      };
      const ours = authorizationHeader(
        { method: "POST", url, headers, body: new TextEncoder().encode(body) },
        credentials,
        { region: "eu-west-3", service: "ecr", amzDate: "20260807T101112Z" },
      );
      const reference = await botocoreSign({
        method: "POST",
        url: url.href,
        headers,
        body,
        ...credentials,
        region: "eu-west-3",
        service: "ecr",
        amzDate: "20260807T101112Z",
      });
      equal(ours, reference.authorization);
    }
  },
});
