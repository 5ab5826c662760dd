/**
 * The Docker Engine API client against a real private dockerd: version negotiation, unix and
 * TCP (plain and TLS) transports, the daemon's errors. TCP reaches the same daemon through a
 * loopback forwarder to its socket (dockerd itself stays on its unix socket).
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { compareVersions, DockerClient, MAX_API_VERSION } from "../../src/docker/docker_client.ts";
import {
  daemonPlatform,
  inspectImage,
  loadImage,
  parseJsonMessages,
  splitTag,
  tagImage,
} from "../../src/docker/docker_images.ts";
import { dockerUnavailableReason, startDockerEngine } from "../helpers/docker_engine.ts";
import { testTlsCerts } from "../helpers/test_certs.ts";
import { tempDir } from "../helpers/tools.ts";
import { requires } from "../helpers/requires.ts";
import { stdinFrom } from "../helpers/stdin.ts";

Deno.test("compareVersions compares API versions numerically", () => {
  equal(compareVersions("1.9", "1.41"), -1);
  equal(compareVersions("1.41", "1.41"), 0);
  equal(compareVersions("1.47", "1.41"), 1);
  equal(compareVersions("2.0", "1.99"), 1);
});

Deno.test("splitTag splits at the tag, not at a registry port", () => {
  deepEqual(splitTag("ko.local/app:abc"), { repo: "ko.local/app", tag: "abc" });
  deepEqual(splitTag("127.0.0.1:5000/app:v1"), { repo: "127.0.0.1:5000/app", tag: "v1" });
  deepEqual(splitTag("127.0.0.1:5000/app"), { repo: "127.0.0.1:5000/app", tag: "latest" });
});

Deno.test("parseJsonMessages reads Docker's message stream and its errors", () => {
  deepEqual(
    parseJsonMessages(
      '{"stream":"Loaded image: a:b\\n"}\r\n{"errorDetail":{"message":"x {"},"error":"x {"}',
    ),
    [{ stream: "Loaded image: a:b\n" }, { error: "x {" }],
  );
  deepEqual(parseJsonMessages('{"errorDetail":{"message":"only detail"}}'), [{
    error: "only detail",
  }]);
  deepEqual(parseJsonMessages("plain text answer"), [{ stream: "plain text answer" }]);
  deepEqual(parseJsonMessages(""), []);
});

/** Forwards loopback TCP (optionally TLS) connections to a unix socket. */
function forwarder(socket: string, tls?: { cert: string; key: string }) {
  const listener = tls
    ? Deno.listenTls({ hostname: "127.0.0.1", port: 0, cert: tls.cert, key: tls.key })
    : Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const conn of listener) {
      const up = await Deno.connect({ transport: "unix", path: socket });
      conns.push(conn, up);
      conn.readable.pipeTo(up.writable).catch(() => {});
      up.readable.pipeTo(conn.writable).catch(() => {});
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
    },
  };
}

Deno.test({
  ...requires(
    "DockerClient talks to a real dockerd over unix, TCP and TLS",
    dockerUnavailableReason(),
  ),
  // The forwarders' piped connections close asynchronously after the client is closed.
  sanitizeOps: false,
  sanitizeResources: false,
}, async (t) => {
  await using docker = await startDockerEngine();
  await using tmp = await tempDir();

  await t.step("negotiates the daemon's API version", async () => {
    const ping = await fetch("http://d/_ping", { client: docker.client });
    await ping.body?.cancel();
    const server = ping.headers.get("api-version")!;
    const client = DockerClient.fromEnv(docker.env);
    try {
      const want = compareVersions(server, MAX_API_VERSION) < 0 ? server : MAX_API_VERSION;
      equal(await client.apiVersion(), want);
      deepEqual(await daemonPlatform(client), {
        os: "linux",
        architecture: Deno.build.arch === "x86_64" ? "amd64" : "arm64",
      });
    } finally {
      client.close();
    }
  });

  await t.step("DOCKER_API_VERSION pins the version", async () => {
    const client = DockerClient.fromEnv({ ...docker.env, DOCKER_API_VERSION: "1.40" });
    try {
      equal(await client.apiVersion(), "1.40");
      equal(await inspectImage(client, "sha256:" + "0".repeat(64)), undefined);
    } finally {
      client.close();
    }
  });

  await t.step("the daemon's errors become ko errors with its message", async () => {
    const client = DockerClient.fromEnv(docker.env);
    try {
      await rejects(
        () => tagImage(client, "nope:1", "ko.local/x:y"),
        /^KoError: docker: POST \/images\/nope:1\/tag: 404 No such image: nope:1$/,
      );
      await rejects(() => loadImage(client, stdinFrom("not a tarball")), /docker/);
    } finally {
      client.close();
    }
  });

  await t.step("tcp:// reaches the daemon", async () => {
    const fwd = forwarder(docker.socket);
    const client = DockerClient.fromEnv({ DOCKER_HOST: `tcp://127.0.0.1:${fwd.port}` });
    try {
      equal(client.describe(), `tcp://127.0.0.1:${fwd.port} (DOCKER_HOST)`);
      equal((await daemonPlatform(client)).os, "linux");
    } finally {
      client.close();
      fwd.close();
    }
  });

  await t.step(
    "tcp:// with DOCKER_TLS_VERIFY verifies the daemon with DOCKER_CERT_PATH/ca.pem",
    async () => {
      const certs = await testTlsCerts();
      const fwd = forwarder(docker.socket, { cert: certs.leaf.certPem, key: certs.leaf.keyPem });
      const certDir = join(tmp.path, "certs");
      await Deno.mkdir(certDir);
      await Deno.writeTextFile(join(certDir, "ca.pem"), certs.ca.certPem);
      const host = `tcp://127.0.0.1:${fwd.port}`;
      const client = DockerClient.fromEnv({
        DOCKER_HOST: host,
        DOCKER_TLS_VERIFY: "1",
        DOCKER_CERT_PATH: certDir,
      });
      const untrusted = DockerClient.fromEnv({
        DOCKER_HOST: host,
        DOCKER_TLS_VERIFY: "1",
        DOCKER_CERT_PATH: join(tmp.path, "none"),
      });
      try {
        equal((await daemonPlatform(client)).os, "linux");
        await rejects(
          () => untrusted.apiVersion(),
          /cannot reach the Docker daemon at tcp:\/\/127/,
        );
      } finally {
        client.close();
        untrusted.close();
        fwd.close();
      }
    },
  );

  await t.step("a missing socket says where it looked", async () => {
    const client = DockerClient.fromEnv({ DOCKER_HOST: `unix://${tmp.path}/none.sock` });
    try {
      const err = await client.apiVersion().catch((e: Error) => e);
      ok(err instanceof Error);
      equal(
        err.message.split(";")[0],
        `cannot reach the Docker daemon at unix://${tmp.path}/none.sock (DOCKER_HOST): no such socket`,
      );
    } finally {
      client.close();
    }
  });
});

Deno.test("DockerClient uses its newest version with a daemon newer than it", async () => {
  // A stand-in for a future daemon (none that new can run here): it only answers /_ping and
  // records the paths it is asked for.
  const paths: string[] = [];
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    paths.push(path);
    if (path === "/_ping") return new Response("OK", { headers: { "API-Version": "1.99" } });
    return Response.json({ Os: "linux", Arch: "riscv64" });
  });
  const client = DockerClient.fromEnv({ DOCKER_HOST: `tcp://127.0.0.1:${server.addr.port}` });
  try {
    deepEqual(await daemonPlatform(client), { os: "linux", architecture: "riscv64" });
    deepEqual(paths, ["/_ping", `/v${MAX_API_VERSION}/version`]);
  } finally {
    client.close();
  }
});
