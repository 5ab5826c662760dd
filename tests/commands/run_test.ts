import { deepEqual, equal } from "node:assert/strict";
import { KUBECTL_RUN_DEFAULTS, podName } from "../../src/commands/run.ts";

Deno.test("podName is the last element of the published image's repository", () => {
  equal(podName("127.0.0.1:5000/team/app-0123abcd@sha256:" + "a".repeat(64)), "app-0123abcd");
  equal(podName("ko.local/app-0123abcd:" + "b".repeat(64)), "app-0123abcd");
  equal(podName("ghcr.io/me/app:v1@sha256:" + "c".repeat(64)), "app");
  equal(podName("kind.local/example.com/cmd/server:latest"), "server");
});

Deno.test("kubectl run gets ko's defaults", () => {
  deepEqual([...KUBECTL_RUN_DEFAULTS], [
    "--attach",
    "--rm",
    "--restart=Never",
    "--log-flush-frequency=1s",
  ]);
});
