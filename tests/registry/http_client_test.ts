/**
 * The registry HTTP client and proxy settings: like Go's `ProxyFromEnvironment`, a proxy from
 * the environment is never used for a registry on this machine.
 */
import { equal } from "node:assert/strict";
import { RegistryClient } from "../../src/registry/client.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { freePort } from "../helpers/tools.ts";
import { FAST_RETRY } from "./support.ts";

Deno.test("HTTP_PROXY and HTTPS_PROXY are not used for a registry on 127.0.0.1", async () => {
  await using reg = await startRegistry({ mode: "plain" });
  const names = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "no_proxy"];
  const saved = new Map(names.map((n) => [n, Deno.env.get(n)]));
  const deadProxy = `http://127.0.0.1:${freePort()}`; // nothing listens there
  Deno.env.set("HTTP_PROXY", deadProxy);
  Deno.env.set("HTTPS_PROXY", deadProxy);
  Deno.env.set("no_proxy", "example.com");
  Deno.env.delete("NO_PROXY");
  let client: RegistryClient | undefined;
  try {
    client = new RegistryClient({ keychain: () => Promise.resolve({}), retry: FAST_RETRY });
    equal((await client.ping(reg.host)).scheme, "http");
    equal(Deno.env.get("no_proxy"), "example.com", "the environment is left as it was");
    equal(Deno.env.get("NO_PROXY"), undefined);
  } finally {
    client?.close();
    for (const [name, value] of saved) {
      if (value === undefined) Deno.env.delete(name);
      else Deno.env.set(name, value);
    }
  }
});
