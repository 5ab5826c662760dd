/**
 * Which certificates registry connections trust and present, against Debian's docker-registry
 * serving HTTPS with a test CA: `SSL_CERT_FILE`, `SSL_CERT_DIR` (hashed or plain files),
 * per-registry `certs.d/<host:port>/ca.crt` (the user's and /etc's), a client certificate from
 * certs.d for a registry that requires one, a self-signed CA certificate named in
 * `SSL_CERT_FILE` (rustls refuses it, Go accepts it), and one clear line for each unusable
 * source.
 */
import { equal, match, ok, rejects } from "node:assert/strict";
import { join } from "node:path";
import { RegistryClient } from "../../src/registry/client.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { requires, rootMissing } from "../helpers/requires.ts";
import { testTlsCerts } from "../helpers/test_certs.ts";
import { runOk, tempDir } from "../helpers/tools.ts";
import { blobOf, FAST_RETRY, randomBytes, repoOf } from "./support.ts";

/** A client seeing only `vars` as its environment (no system bundle unless named). */
function clientWith(vars: Record<string, string>, certsDirRoots: string[] = []): RegistryClient {
  return new RegistryClient({
    env: (name) => vars[name],
    keychain: () => Promise.resolve({}),
    retry: FAST_RETRY,
    certsDirRoots,
  });
}

/** Pings and pushes a blob, proving the TLS connection works both ways. */
async function pushes(client: RegistryClient, host: string): Promise<void> {
  try {
    equal((await client.ping(host)).scheme, "https");
    equal(
      await client.uploadBlob(repoOf(host, "trust/app"), blobOf(randomBytes(70_000))),
      "pushed",
    );
  } finally {
    client.close();
  }
}

Deno.test("registry TLS trust sources", async (t) => {
  await using reg = await startRegistry({ mode: "tls" });
  const certs = await testTlsCerts();
  await using tmp = await tempDir();

  await t.step("without the test CA the certificate is refused", async () => {
    const client = clientWith({});
    try {
      await rejects(client.ping(reg.host), /TLS handshake failed: invalid peer certificate/);
    } finally {
      client.close();
    }
  });

  await t.step(
    "SSL_CERT_FILE",
    () => pushes(clientWith({ SSL_CERT_FILE: certs.ca.certPath }), reg.host),
  );

  await t.step("SSL_CERT_DIR with an openssl-hashed name", async () => {
    const dir = join(tmp.path, "hashed");
    await Deno.mkdir(dir);
    const hash = (await runOk("openssl", ["x509", "-hash", "-noout", "-in", certs.ca.certPath]))
      .stdout.trim();
    await Deno.copyFile(certs.ca.certPath, join(dir, `${hash}.0`));
    await Deno.writeTextFile(join(dir, "README"), "not a certificate\n");
    await pushes(clientWith({ SSL_CERT_DIR: `${join(tmp.path, "missing-is-an-error")}` }), reg.host)
      .then(
        () => ok(false, "a missing SSL_CERT_DIR must fail"),
        (err) => match(err.message, /SSL_CERT_DIR/),
      );
    await pushes(clientWith({ SSL_CERT_DIR: dir }), reg.host);
  });

  await t.step(
    "SSL_CERT_DIR with plain PEM files, after `openssl rehash`, several dirs",
    async () => {
      const empty = join(tmp.path, "empty");
      const plain = join(tmp.path, "plain");
      await Deno.mkdir(empty);
      await Deno.mkdir(plain);
      await Deno.copyFile(certs.ca.certPath, join(plain, "corp-ca.pem"));
      await runOk("openssl", ["rehash", plain]);
      await pushes(clientWith({ SSL_CERT_DIR: `${empty}:${plain}` }), reg.host);
    },
  );

  await t.step("certs.d/<host:port>/ca.crt in the user's containers config", async () => {
    const home = join(tmp.path, "home");
    const dir = join(home, ".config/containers/certs.d", reg.host);
    await Deno.mkdir(dir, { recursive: true });
    await Deno.copyFile(certs.ca.certPath, join(dir, "ca.crt"));
    // The default roots, with HOME from the run's environment.
    const client = new RegistryClient({
      env: (name) => ({ HOME: home } as Record<string, string>)[name],
      keychain: () => Promise.resolve({}),
      retry: FAST_RETRY,
    });
    await pushes(client, reg.host);
    // Only for that registry: the same server under another name is not trusted.
    const other = clientWith({ HOME: home });
    try {
      await rejects(other.ping(`localhost:${reg.host.split(":")[1]}`), /TLS handshake failed/);
    } finally {
      other.close();
    }
  });

  for (const root of ["/etc/docker/certs.d", "/etc/containers/certs.d"]) {
    await t.step({
      ...requires(`certs.d/<host:port>/ca.crt under ${root}`, rootMissing()),
      fn: async () => {
        const dir = join(root, reg.host);
        const made = !(await Deno.stat(dir).then(() => true, () => false));
        ok(made, `${dir} exists already: not touching it`);
        await Deno.mkdir(dir, { recursive: true });
        try {
          await Deno.copyFile(certs.ca.certPath, join(dir, "ca.crt"));
          const client = new RegistryClient({
            env: () => undefined,
            keychain: () => Promise.resolve({}),
            retry: FAST_RETRY,
          });
          await pushes(client, reg.host);
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    });
  }

  await t.step("unusable trust sources each give one line naming the file", async () => {
    const notPem = join(tmp.path, "not-a-cert.pem");
    await Deno.writeTextFile(notPem, "hello\n");
    const cases: Array<[Record<string, string>, RegExp]> = [
      [
        { SSL_CERT_FILE: join(tmp.path, "nope.pem") },
        /SSL_CERT_FILE ".*nope\.pem": does not exist/,
      ],
      [{ SSL_CERT_FILE: tmp.path }, /SSL_CERT_FILE ".*": is a directory/],
      [{ SSL_CERT_FILE: notPem }, /SSL_CERT_FILE \(.*not-a-cert\.pem\) holds no PEM certificate/],
    ];
    for (const [vars, expected] of cases) {
      const client = clientWith(vars);
      try {
        const err = await client.ping(reg.host).then(() => undefined, (e: Error) => e);
        ok(err, `${JSON.stringify(vars)} must fail`);
        match(err.message, expected);
        equal(err.message.includes("\n"), false);
      } finally {
        client.close();
      }
    }
    const certsD = join(tmp.path, "certs.d-lonely");
    await Deno.mkdir(join(certsD, reg.host), { recursive: true });
    await Deno.copyFile(certs.client.certPath, join(certsD, reg.host, "client.cert"));
    const client = clientWith({}, [certsD]);
    try {
      await rejects(
        client.ping(reg.host),
        /client certificate ".*client\.cert" has no key "client\.key"/,
      );
    } finally {
      client.close();
    }
  });
});

Deno.test("a registry requiring a client certificate gets the one in certs.d", async (t) => {
  await using reg = await startRegistry({ mode: "tls", requireClientCert: true });
  const certs = await testTlsCerts();
  await using tmp = await tempDir();
  const roots = [join(tmp.path, "certs.d")];
  const dir = join(roots[0]!, reg.host);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.copyFile(certs.ca.certPath, join(dir, "ca.crt"));

  await t.step(
    "without one, the error says where to put it (when the refusal arrives)",
    async () => {
      const client = clientWith({}, roots);
      try {
        // In TLS 1.3 the server refuses after the handshake: its alert usually reaches the client,
        // but the connection's reset can overtake it, and then only the closing is known.
        await rejects(client.ping(reg.host), (err: Error) => {
          match(
            err.message,
            new RegExp(
              `^cannot reach registry ${reg.host}: (TLS handshake failed: ${reg.host} asks for a ` +
                `client certificate: put client\\.cert and client\\.key in certs\\.d/${reg.host}/|` +
                `connection (closed by the server|reset))( \\(gave up after \\d attempts\\))?$`,
            ),
          );
          return true;
        });
      } finally {
        client.close();
      }
    },
  );

  await t.step("client.cert and client.key are presented", async () => {
    await Deno.copyFile(certs.client.certPath, join(dir, "client.cert"));
    await Deno.copyFile(certs.client.keyPath, join(dir, "client.key"));
    await pushes(clientWith({}, roots), reg.host);
  });
});

Deno.test("a self-signed CA certificate named in SSL_CERT_FILE is accepted, as Go accepts it", async (t) => {
  const certs = await testTlsCerts();
  await using reg = await startRegistry({ mode: "tls", serverCert: certs.selfSigned });

  await t.step("not named: one line saying what to do", async () => {
    const client = clientWith({});
    try {
      await rejects(client.ping(reg.host), (err: Error) => {
        match(
          err.message,
          /presents a self-signed CA certificate as its own; trust it by naming it in SSL_CERT_FILE/,
        );
        return true;
      });
    } finally {
      client.close();
    }
  });

  await t.step(
    "named: pushes work",
    () => pushes(clientWith({ SSL_CERT_FILE: certs.selfSigned.certPath }), reg.host),
  );

  await t.step(
    "named, but another registry's self-signed certificate is still refused",
    async () => {
      const client = clientWith({ SSL_CERT_FILE: certs.ca.certPath });
      try {
        await rejects(client.ping(reg.host), /TLS handshake failed/);
      } finally {
        client.close();
      }
    },
  );
});
