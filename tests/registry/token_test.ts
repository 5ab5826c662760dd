import { equal, throws } from "node:assert/strict";
import type { Challenge } from "../../src/registry/challenge.ts";
import { parseTokenResponse, realmUrl } from "../../src/registry/token.ts";

Deno.test("parseTokenResponse accepts token or access_token and defaults expiry to 60 s", () => {
  const now = 1_000_000;
  const t = parseTokenResponse('{"token":"abc"}', "https://auth/token", now);
  equal(t.value, "abc");
  equal(t.expiresAt, now + 54_000); // 60 s, renewed 10% early
  equal(parseTokenResponse('{"access_token":"xyz","expires_in":3600}', "r", now).value, "xyz");
  equal(parseTokenResponse('{"token":"a","expires_in":3600}', "r", now).expiresAt, now + 3_590_000);
  equal(parseTokenResponse('{"token":"a","expires_in":5}', "r", now).expiresAt, now + 54_000);
});

Deno.test("parseTokenResponse rejects answers without a token, without echoing them", () => {
  throws(
    () => parseTokenResponse('{"nope":"secret-value"}', "https://auth/token"),
    { message: 'token endpoint https://auth/token answered without "token" or "access_token"' },
  );
  throws(() => parseTokenResponse("<html>", "https://auth/token"), /invalid JSON/);
});

Deno.test("realmUrl validates the challenge realm", () => {
  const ch = (realm?: string): Challenge => ({
    scheme: "bearer",
    params: realm === undefined ? {} : { realm },
  });
  equal(realmUrl(ch("https://auth.example/token"), "r").href, "https://auth.example/token");
  throws(() => realmUrl(ch(), "r.example"), {
    message: "registry r.example sent a Bearer challenge without a realm",
  });
  throws(() => realmUrl(ch("not a url"), "r"), /invalid token realm "not a url"/);
  throws(() => realmUrl(ch("ftp://x/token"), "r"), /not http\(s\)/);
  throws(() => realmUrl(ch("http://169.254.169.254/token"), "r"), /link-local/);
});
