import { deepEqual, equal } from "node:assert/strict";
import { preAuthEncoding, signEnvelope } from "../../src/sign/dsse.ts";
import type { Signer } from "../../src/sign/signer.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("the DSSE pre-authentication encoding is the spec's (its test vector)", () => {
  equal(
    text(preAuthEncoding("http://example.com/HelloWorld", new TextEncoder().encode("hello world"))),
    "DSSEv1 29 http://example.com/HelloWorld 11 hello world",
  );
  // Lengths count bytes, not characters.
  equal(text(preAuthEncoding("t", new TextEncoder().encode("é"))), "DSSEv1 1 t 2 é");
});

Deno.test("an envelope carries the payload and the signature of its PAE in base64", async () => {
  const signed: Uint8Array[] = [];
  const signer: Signer = {
    name: "recording",
    sign: (data) => {
      signed.push(data);
      return Promise.resolve({ bytes: new Uint8Array([1, 2, 3]) });
    },
  };
  const env = JSON.parse(
    text(await signEnvelope(signer, "application/x", new Uint8Array([104, 105]))),
  );
  deepEqual(env, {
    payloadType: "application/x",
    payload: "aGk=",
    signatures: [{ keyid: "", sig: "AQID" }],
  });
  equal(text(signed[0]!), "DSSEv1 13 application/x 2 hi");
});
