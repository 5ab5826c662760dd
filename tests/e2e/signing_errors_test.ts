/**
 * Bad signing input stops `ko build` before anything is built or pushed, with one clear
 * `Error:` line and a non-zero exit: a wrong password, no password and no terminal, unreadable
 * and unsupported keys, KMS references. Publishers that keep no signatures get one warning.
 */
import { deepEqual, equal, match, notEqual } from "node:assert/strict";
import { join } from "node:path";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { ko } from "../helpers/ko_cli.ts";
import { registryFetch } from "../helpers/registry_http.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { runOk, tempDir } from "../helpers/tools.ts";
import { makeKeys, opensslPair } from "./signing_keys.ts";

Deno.test("bad signing keys fail before anything is built or pushed", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const keys = await makeKeys(tmp.path);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/badkey",
    files: { "main.go": PRINT_KODATA_MAIN },
  });
  const rsa = await opensslPair(tmp.path, "rsa", [
    "-algorithm",
    "RSA",
    "-pkeyopt",
    "rsa_keygen_bits:2048",
  ]);
  const p384 = await opensslPair(tmp.path, "p384", [
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-384",
  ]);
  const sec1 = join(tmp.path, "sec1.pem");
  await runOk("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", sec1]);
  const garbage = join(tmp.path, "garbage.key");
  await Deno.writeTextFile(garbage, "not a key\n");
  const env = {
    KO_DOCKER_REPO: `${registry.host}/bad`,
    KO_DEFAULTBASEIMAGE: bases.ociIndex.ref,
  };
  const layout = join(tmp.path, "layout");

  const cases: Array<[string, string, Record<string, string>, RegExp]> = [
    [
      "a wrong password",
      keys.encrypted.key,
      { COSIGN_PASSWORD: "wrong" },
      /^Error: --sign-key ".*cosign\.key": wrong password in COSIGN_PASSWORD \(decryption failed\)$/,
    ],
    [
      "no COSIGN_PASSWORD and no terminal",
      keys.encrypted.key,
      {},
      /^Error: --sign-key ".*cosign\.key": .*cosign\.key is encrypted: set COSIGN_PASSWORD to its password \(there is no terminal to ask for it on\)$/,
    ],
    [
      "a missing key file",
      join(tmp.path, "nope.key"),
      {},
      /^Error: --sign-key ".*nope\.key": cannot read the key file: does not exist$/,
    ],
    [
      "a directory",
      tmp.path,
      {},
      /^Error: --sign-key ".*": cannot read the key file: is a directory$/,
    ],
    ["not a key", garbage, {}, /: not a PEM private key file$/],
    ["a public key", keys.p256.pub, {}, /: this is a public key: signing needs the private key/],
    [
      "an RSA key",
      rsa.key,
      {},
      /: unsupported key type RSA: ko signs with ECDSA P-256 or Ed25519 keys$/,
    ],
    ["a P-384 key", p384.key, {}, /: unsupported key type EC P-384: ko signs with ECDSA P-256/],
    ["a SEC 1 EC key", sec1, {}, /: SEC 1 EC keys are not read: convert it to PKCS #8/],
    [
      "a KMS reference",
      "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k",
      {},
      /^Error: --sign-key "gcpkms:\/\/.*": KMS keys are not supported yet: give the path of a cosign private key file/,
    ],
    ["a Kubernetes secret", "k8s://ns/secret", {}, /: k8s: keys are not supported yet/],
  ];
  for (const [name, key, extraEnv, message] of cases) {
    await t.step(name, async () => {
      const r = await ko(
        ["build", "--sign-key", key, "--oci-layout-path", layout, "--platform=linux/amd64", "."],
        { cwd: src, env: { ...env, ...extraEnv } },
      );
      notEqual(r.code, 0);
      const lines = r.stderr.trimEnd().split("\n");
      equal(lines.length, 1, r.stderr);
      match(lines[0]!, message);
      equal(r.stdout, "");
      // Nothing built or pushed: no repository but the fixtures', no layout directory.
      const catalog = await (await registryFetch(registry, "/v2/_catalog")).json();
      deepEqual(catalog.repositories.filter((r: string) => !r.startsWith("fixtures/")), []);
      await Deno.stat(layout).then(
        () => Promise.reject(new Error(`${layout} was created`)),
        () => {},
      );
    });
  }

  await t.step("the password never appears in the output, -v included", async () => {
    const r = await ko([
      "build",
      "-v",
      "--sign-key",
      keys.encrypted.key,
      "--platform=linux/amd64",
      ".",
    ], {
      cwd: src,
      env: { ...env, COSIGN_PASSWORD: keys.password },
    });
    equal(r.code, 0, r.stderr);
    equal(r.stderr.includes(keys.password), false);
    equal(r.stdout.includes(keys.password), false);
  });

  await t.step("--push=false without a layout: one warning, nothing to sign", async () => {
    const r = await ko(
      ["build", "--push=false", "--sign-key", keys.encrypted.key, "--platform=linux/amd64", "."],
      { cwd: src, env },
    );
    equal(r.code, 0, r.stderr);
    const warnings = r.stderr.split("\n").filter((l) => l.includes("WARNING"));
    equal(warnings.length, 1, r.stderr);
    match(
      warnings[0]!,
      /--sign-key: nothing is signed with --push=false: only pushed images and --oci-layout-path layouts keep signatures/,
    );
  });
});
