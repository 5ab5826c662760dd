import { deepEqual, equal, throws } from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  DEFAULT_DOCKER_SOCKET,
  type EndpointFs,
  parseDockerHost,
  resolveDockerEndpoint,
} from "../../src/docker/docker_host.ts";

/** An in-memory filesystem: paths that exist, with their text. */
function memFs(files: Record<string, string>): EndpointFs {
  return {
    exists: (p) => p in files,
    readText: (p) => files[p],
  };
}

const contextId = (name: string) => createHash("sha256").update(name).digest("hex");

Deno.test("parseDockerHost reads unix sockets and tcp hosts", () => {
  deepEqual(parseDockerHost("unix:///run/podman/podman.sock", "DOCKER_HOST"), {
    kind: "unix",
    path: "/run/podman/podman.sock",
    url: "unix:///run/podman/podman.sock",
    source: "DOCKER_HOST",
  });
  deepEqual(parseDockerHost("tcp://127.0.0.1:2375", "DOCKER_HOST"), {
    kind: "tcp",
    address: "127.0.0.1:2375",
    url: "tcp://127.0.0.1:2375",
    source: "DOCKER_HOST",
  });
  equal(
    (parseDockerHost("tcp://docker.example", "x") as { address: string }).address,
    "docker.example:2375",
  );
});

Deno.test("parseDockerHost uses TLS and port 2376 when DOCKER_TLS_VERIFY is set", () => {
  const fs = memFs({ "/certs/ca.pem": "CA", "/certs/cert.pem": "CERT", "/certs/key.pem": "KEY" });
  const e = parseDockerHost(
    "tcp://docker.example",
    "DOCKER_HOST",
    { DOCKER_TLS_VERIFY: "1", DOCKER_CERT_PATH: "/certs" },
    fs,
  );
  deepEqual(e, {
    kind: "tcp",
    address: "docker.example:2376",
    url: "tcp://docker.example:2376",
    source: "DOCKER_HOST",
    tls: { caCert: "CA", cert: "CERT", key: "KEY" },
  });
  // Certificates default to the docker config directory; a client cert needs its key.
  const partial = parseDockerHost(
    "tcp://h:1",
    "DOCKER_HOST",
    { DOCKER_TLS_VERIFY: "1", DOCKER_CONFIG: "/cfg" },
    memFs({ "/cfg/ca.pem": "CA", "/cfg/cert.pem": "CERT" }),
  );
  deepEqual((partial as { tls: unknown }).tls, { caCert: "CA" });
});

Deno.test("parseDockerHost rejects what it cannot reach with a reason", () => {
  const cases: Array<[string, RegExp]> = [
    [
      "/var/run/docker.sock",
      /invalid DOCKER_HOST "\/var\/run\/docker.sock": expected unix:\/\/\/path/,
    ],
    ["unix://relative.sock", /the socket path must be absolute/],
    ["tcp://", /expected tcp:\/\/host:port/],
    ["ssh://me@host", /ssh:\/\/ Docker hosts are not supported: forward the socket/],
    ["npipe:////./pipe/docker_engine", /unsupported scheme "npipe"/],
  ];
  for (const [value, message] of cases) {
    throws(() => parseDockerHost(value, "DOCKER_HOST"), message, value);
  }
});

Deno.test("resolveDockerEndpoint prefers DOCKER_HOST, then the context, then the default socket", () => {
  const cfg = "/home/me/.docker";
  const id = contextId("colima");
  const fs = memFs({
    [`${cfg}/config.json`]: JSON.stringify({ currentContext: "colima" }),
    [`${cfg}/contexts/meta/${id}/meta.json`]: JSON.stringify({
      Name: "colima",
      Endpoints: { docker: { Host: "unix:///home/me/.colima/docker.sock" } },
    }),
    [DEFAULT_DOCKER_SOCKET]: "",
  });
  const home = { HOME: "/home/me" };
  deepEqual(resolveDockerEndpoint({ ...home, DOCKER_HOST: "unix:///x.sock" }, fs), {
    kind: "unix",
    path: "/x.sock",
    url: "unix:///x.sock",
    source: "DOCKER_HOST",
  });
  deepEqual(resolveDockerEndpoint(home, fs), {
    kind: "unix",
    path: "/home/me/.colima/docker.sock",
    url: "unix:///home/me/.colima/docker.sock",
    source: 'docker context "colima"',
  });
  // DOCKER_CONTEXT=default, or no context at all: the default socket.
  equal(
    (resolveDockerEndpoint({ ...home, DOCKER_CONTEXT: "default" }, fs) as { path: string }).path,
    DEFAULT_DOCKER_SOCKET,
  );
  deepEqual(resolveDockerEndpoint({}, fs), {
    kind: "unix",
    path: DEFAULT_DOCKER_SOCKET,
    url: `unix://${DEFAULT_DOCKER_SOCKET}`,
    source: "default",
  });
});

Deno.test("resolveDockerEndpoint reads a tcp context's TLS files", () => {
  const id = contextId("remote");
  const fs = memFs({
    [`/cfg/contexts/meta/${id}/meta.json`]: JSON.stringify({
      Endpoints: { docker: { Host: "tcp://10.0.0.5:2376" } },
    }),
    [`/cfg/contexts/tls/${id}/docker/ca.pem`]: "CA",
  });
  const e = resolveDockerEndpoint({ DOCKER_CONFIG: "/cfg", DOCKER_CONTEXT: "remote" }, fs);
  deepEqual(e, {
    kind: "tcp",
    address: "10.0.0.5:2376",
    url: "tcp://10.0.0.5:2376",
    source: 'docker context "remote"',
    tls: { caCert: "CA" },
  });
});

Deno.test("resolveDockerEndpoint reports a missing or empty context", () => {
  throws(
    () => resolveDockerEndpoint({ DOCKER_CONFIG: "/cfg", DOCKER_CONTEXT: "gone" }, memFs({})),
    /docker context "gone" does not exist \(no "\/cfg\/contexts\/meta\/[0-9a-f]{64}\/meta\.json"\)/,
  );
  const id = contextId("k8s");
  throws(
    () =>
      resolveDockerEndpoint(
        { DOCKER_CONFIG: "/cfg", DOCKER_CONTEXT: "k8s" },
        memFs({ [`/cfg/contexts/meta/${id}/meta.json`]: JSON.stringify({ Endpoints: {} }) }),
      ),
    /docker context "k8s" has no Docker endpoint/,
  );
});

Deno.test("resolveDockerEndpoint falls back to podman's socket when Docker's is absent", () => {
  const rootless = "/run/user/1000/podman/podman.sock";
  const env = { XDG_RUNTIME_DIR: "/run/user/1000" };
  deepEqual(resolveDockerEndpoint(env, memFs({ [rootless]: "" })), {
    kind: "unix",
    path: rootless,
    url: `unix://${rootless}`,
    source: "podman socket (no Docker socket found)",
  });
  equal(
    (resolveDockerEndpoint({}, memFs({ "/run/podman/podman.sock": "" })) as { path: string }).path,
    "/run/podman/podman.sock",
  );
  // Docker's socket wins when both exist.
  equal(
    (resolveDockerEndpoint(env, memFs({ [rootless]: "", [DEFAULT_DOCKER_SOCKET]: "" })) as {
      path: string;
    }).path,
    DEFAULT_DOCKER_SOCKET,
  );
});
