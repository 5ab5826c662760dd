import { deepEqual, equal, throws } from "node:assert/strict";
import { parseChallenges, pickChallenge } from "../../src/registry/challenge.ts";
import { KoError } from "../../src/util/errors.ts";

Deno.test("parseChallenges reads a Docker Hub style Bearer challenge", () => {
  deepEqual(
    parseChallenges(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
    ),
    [{
      scheme: "bearer",
      params: {
        realm: "https://auth.docker.io/token",
        service: "registry.docker.io",
        scope: "repository:library/alpine:pull",
      },
    }],
  );
});

Deno.test("parseChallenges keeps commas and escaped quotes inside quoted strings", () => {
  const [c] = parseChallenges(
    'Bearer realm="https://a/token",scope="repository:x:push,pull",error_description="say \\"hi\\", then go"',
  );
  equal(c?.params.scope, "repository:x:push,pull");
  equal(c?.params.error_description, 'say "hi", then go');
});

Deno.test("parseChallenges lowercases scheme and parameter names but not values", () => {
  deepEqual(parseChallenges('BASIC Realm="Basic-Realm"'), [
    { scheme: "basic", params: { realm: "Basic-Realm" } },
  ]);
});

Deno.test("parseChallenges accepts unquoted values and spaces around equals", () => {
  deepEqual(parseChallenges("Bearer realm = https://auth.example/token , service=reg"), [
    { scheme: "bearer", params: { realm: "https://auth.example/token", service: "reg" } },
  ]);
});

Deno.test("parseChallenges splits several challenges in one header", () => {
  const cs = parseChallenges('Negotiate, Basic realm="r", Bearer realm="https://t",service="s"');
  deepEqual(cs.map((c) => c.scheme), ["negotiate", "basic", "bearer"]);
  deepEqual(cs[2]?.params, { realm: "https://t", service: "s" });
});

Deno.test("parseChallenges reads several headers and token68 forms", () => {
  const cs = parseChallenges(["Negotiate abc123==", 'Basic realm="x"']);
  deepEqual(cs, [
    { scheme: "negotiate", params: {}, token68: "abc123==" },
    { scheme: "basic", params: { realm: "x" } },
  ]);
});

Deno.test("parseChallenges reads a bare scheme and an insufficient_scope error", () => {
  deepEqual(parseChallenges("Basic"), [{ scheme: "basic", params: {} }]);
  const [c] = parseChallenges(
    'Bearer realm="https://t",service="s",scope="repository:a:pull,push",error="insufficient_scope"',
  );
  equal(c?.params.error, "insufficient_scope");
});

Deno.test("parseChallenges rejects malformed headers with a clear KoError", () => {
  throws(() => parseChallenges('Bearer realm="unterminated'), (e: unknown) => {
    equal(e instanceof KoError, true);
    equal(
      (e as Error).message,
      'malformed WWW-Authenticate header "Bearer realm="unterminated": unterminated quoted string',
    );
    return true;
  });
  throws(() => parseChallenges(""), /malformed WWW-Authenticate header "": no challenge/);
  throws(() => parseChallenges('="x"'), /malformed WWW-Authenticate header.*unexpected character/);
  throws(() => parseChallenges('Bearer realm="a" service="b"'), /expected ","/);
});

Deno.test("pickChallenge prefers Bearer, then Basic, and ignores other schemes", () => {
  equal(pickChallenge(parseChallenges('Basic realm="r", Bearer realm="t"'))?.scheme, "bearer");
  equal(pickChallenge(parseChallenges('Negotiate, Basic realm="r"'))?.scheme, "basic");
  equal(pickChallenge(parseChallenges("Negotiate abc")), undefined);
});
