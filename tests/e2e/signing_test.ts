/**
 * `--sign-key` against the real cosign v2 (built by scripts/install-cosign.sh on first use) and
 * the real registry: single images and 2-platform indexes signed with an encrypted cosign key,
 * an unencrypted P-256 PKCS #8 key and an Ed25519 key, then `cosign verify` and
 * `cosign verify-attestation` (SLSA provenance v1, SPDX, CycloneDX); tampering caught; the
 * key given by KO_SIGN_KEY and `.ko.yaml`, and through `ko resolve`.
 */
import { deepEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { join } from "node:path";
import { cosign, COSIGN_LOCAL_FLAGS, cosignBinary } from "../helpers/cosign.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { PRINT_KODATA_MAIN, writeGoApp } from "../helpers/go_app.ts";
import { writeFakeKubectl } from "../helpers/fake_kubectl.ts";
import { ko, koOk } from "../helpers/ko_cli.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { runOk, tempDir } from "../helpers/tools.ts";
import { makeKeys } from "./signing_keys.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** The in-toto statements `cosign verify-attestation` printed (one JSON envelope a line). */
function statements(stdout: string): Json[] {
  return stdout.split("\n").filter((l) => l.trim() !== "").map((l) =>
    JSON.parse(new TextDecoder().decode(Uint8Array.fromBase64(JSON.parse(l).payload)))
  );
}

Deno.test("ko build --sign-key: cosign verifies signatures and attestations", async (t) => {
  await cosignBinary();
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const keys = await makeKeys(tmp.path);
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/signed",
    files: { "main.go": PRINT_KODATA_MAIN, "kodata/hello.txt": "hi\n" },
  });
  const env = {
    KO_DOCKER_REPO: `${registry.host}/signed`,
    KO_DEFAULTBASEIMAGE: bases.ociIndex.ref,
    COSIGN_PASSWORD: keys.password,
  };
  const build = async (args: string[], extraEnv: Record<string, string> = {}) =>
    (await koOk(["build", ...args, "."], { cwd: src, env: { ...env, ...extraEnv } }))[0]!;
  const verify = (pub: string, ref: string, ...extra: string[]) =>
    cosign(["verify", "--key", pub, ...COSIGN_LOCAL_FLAGS, ...extra, ref]);
  const attestations = async (pub: string, ref: string, type: string) => {
    const r = await cosign([
      "verify-attestation",
      "--key",
      pub,
      "--type",
      type,
      ...COSIGN_LOCAL_FLAGS,
      ref,
    ]);
    equal(r.code, 0, r.stderr);
    return statements(r.stdout);
  };

  await t.step("a single image signed with an encrypted cosign key", async () => {
    const ref = await build(["--platform=linux/amd64", "--sign-key", keys.encrypted.key], {
      SOURCE_DATE_EPOCH: "1700000000",
    });
    const v = await verify(keys.encrypted.pub, ref);
    equal(v.code, 0, v.stderr);
    const payload = JSON.parse(v.stdout)[0];
    equal(payload.critical.image["docker-manifest-digest"], ref.split("@")[1]);
    equal(payload.critical.identity["docker-reference"], ref.split("@")[0]);

    const [slsa] = await attestations(keys.encrypted.pub, ref, "slsaprovenance1");
    equal(slsa.predicateType, "https://slsa.dev/provenance/v1");
    deepEqual(slsa.subject, [{
      name: ref.split("@")[0],
      digest: { sha256: ref.split("@sha256:")[1] },
    }]);
    const { buildDefinition: def, runDetails: run } = slsa.predicate;
    equal(run.builder.id, "urn:ko-ts:builder:0.1.0");
    deepEqual(run.builder.version, { "ko-ts": "0.1.0" });
    equal(def.buildType, "urn:ko-ts:build-type:go-image:v1");
    equal(def.externalParameters.importPath, "example.com/signed");
    equal(def.externalParameters.platform, "linux/amd64");
    deepEqual(def.externalParameters.flags, ["-trimpath"]);
    deepEqual(def.externalParameters.ldflags, []);
    deepEqual(def.externalParameters.env, ["CGO_ENABLED", "GOARCH", "GOOS"]);
    // SOURCE_DATE_EPOCH makes the run's times reproducible.
    deepEqual(run.metadata, {
      startedOn: "2023-11-14T22:13:20Z",
      finishedOn: "2023-11-14T22:13:20Z",
    });
    const deps = def.resolvedDependencies as Json[];
    const amd64 = bases.ociIndex.manifests.find((c) => c.platform === "linux/amd64")!;
    ok(
      deps.some((d) => d.name === bases.ociIndex.ref && d.digest.sha256 === amd64.digest.slice(7)),
      JSON.stringify(deps),
    );
    ok(deps.some((d) => d.name === "go" && /^pkg:golang\/stdlib@\d/.test(d.uri)));
    ok(deps.some((d) => d.name === "example.com/signed"));

    const [spdx] = await attestations(keys.encrypted.pub, ref, "spdxjson");
    equal(spdx.predicateType, "https://spdx.dev/Document");
    equal(spdx.predicate.spdxVersion, "SPDX-2.3");

    // The same build again changes nothing: the signature is deterministic and attestations of
    // a predicate type are replaced, not piled up.
    equal(
      await build(["--platform=linux/amd64", "--sign-key", keys.encrypted.key], {
        SOURCE_DATE_EPOCH: "1700000000",
      }),
      ref,
    );
    equal((await attestations(keys.encrypted.pub, ref, "slsaprovenance1")).length, 1);
    equal(JSON.parse((await verify(keys.encrypted.pub, ref)).stdout).length, 1);
  });

  await t.step("a 2-platform index and each child, Ed25519 key, CycloneDX SBOM", async () => {
    const ref = await build([
      "--platform=linux/amd64,linux/arm64",
      "--sbom=cyclonedx",
      "--sign-key",
      keys.ed25519.key,
    ]);
    const repo = ref.split("@")[0]!;
    const index = JSON.parse(
      (await runOk("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${ref}`]))
        .stdout,
    );
    equal(index.manifests.length, 2);
    for (const r of [ref, ...index.manifests.map((m: Json) => `${repo}@${m.digest}`)]) {
      const v = await verify(keys.ed25519.pub, r);
      equal(v.code, 0, `${r}: ${v.stderr}`);
      const [slsa] = await attestations(keys.ed25519.pub, r, "slsaprovenance1");
      equal(slsa.predicate.buildDefinition.externalParameters.importPath, "example.com/signed");
      const [bom] = await attestations(keys.ed25519.pub, r, "cyclonedx");
      equal(bom.predicate.bomFormat, "CycloneDX");
    }
    const [slsa] = await attestations(keys.ed25519.pub, ref, "slsaprovenance1");
    const p = slsa.predicate;
    deepEqual(p.buildDefinition.externalParameters.platforms, ["linux/amd64", "linux/arm64"]);
    deepEqual(
      p.runDetails.byproducts.map((b: Json) => `sha256:${b.digest.sha256}`),
      index.manifests.map((m: Json) => m.digest),
    );
    ok(
      p.buildDefinition.resolvedDependencies.some((d: Json) =>
        d.digest?.sha256 === bases.ociIndex.digest.slice(7)
      ),
    );
  });

  await t.step("an unencrypted P-256 key, given by KO_SIGN_KEY", async () => {
    const ref = await build(["--platform=linux/arm64"], { KO_SIGN_KEY: keys.p256.key });
    equal((await verify(keys.p256.pub, ref)).code, 0);
  });

  await t.step("the key named by .ko.yaml sign.key, relative to the file", async () => {
    const dir = join(tmp.path, "configured");
    await Deno.mkdir(dir);
    await Deno.copyFile(keys.p256.key, join(dir, "signing.pem"));
    await Deno.writeTextFile(join(dir, ".ko.yaml"), "sign:\n  key: signing.pem\n");
    const ref = await build(["--platform=linux/amd64"], { KO_CONFIG_PATH: dir });
    equal((await verify(keys.p256.pub, ref)).code, 0);
  });

  await t.step("tampering: a wrong key, and another image under the signed tag", async () => {
    const ref = await build([
      "-t",
      "release",
      "--platform=linux/amd64",
      "--sign-key",
      keys.p256.key,
    ]);
    const wrong = await verify(keys.encrypted.pub, ref);
    notEqual(wrong.code, 0);
    match(wrong.stderr, /no matching signatures|invalid signature/i);
    const tagged = ref.split("@")[0]!; // name:release
    match(tagged, /:release$/);
    equal((await verify(keys.p256.pub, tagged)).code, 0);
    // Another image (unsigned) pushed under the signed tag.
    await Deno.writeTextFile(join(src, "kodata", "hello.txt"), "changed\n");
    try {
      const other = await build(["-t", "release", "--platform=linux/amd64"]);
      notEqual(other, ref);
      const moved = await verify(keys.p256.pub, tagged);
      notEqual(moved.code, 0);
      match(moved.stderr, /no signatures found/i);
      equal((await verify(keys.p256.pub, ref)).code, 0); // the signed digest still verifies
    } finally {
      await Deno.writeTextFile(join(src, "kodata", "hello.txt"), "hi\n");
    }
  });

  await t.step("ko resolve signs what it pins", async () => {
    const yaml = join(tmp.path, "pod.yaml");
    await Deno.writeTextFile(yaml, "image: ko://example.com/signed\n");
    const out = await koOk(
      ["resolve", "--platform=linux/amd64", "--sign-key", keys.p256.key, "-f", yaml],
      { cwd: src, env },
    );
    const ref = out[0]!.replace("image: ", "");
    equal((await verify(keys.p256.pub, ref)).code, 0);
    equal((await attestations(keys.p256.pub, ref, "slsaprovenance1")).length, 1);
  });

  // No Kubernetes API server runs here: kubectl is the recording stand-in of
  // tests/helpers/fake_kubectl.ts; signing and cosign are real.
  await t.step("ko apply, create and run sign what they deploy", async () => {
    const kubectl = await writeFakeKubectl(join(tmp.path, "kubectl"));
    const yaml = join(tmp.path, "deploy.yaml");
    await Deno.writeTextFile(yaml, "image: ko://example.com/signed\n");
    for (const verb of ["apply", "create", "run"]) {
      await kubectl.reset();
      const args = verb === "run" ? ["."] : ["-f", yaml];
      const r = await ko(
        [verb, "--platform=linux/amd64", "--sign-key", keys.ed25519.key, ...args],
        { cwd: src, env: kubectl.env(env) },
      );
      equal(r.code, 0, r.stderr);
      const [call] = await kubectl.calls();
      // kubectl's stdin starts with priming `---` lines.
      const ref = verb === "run" ? call!.argv[3]! : /image: (\S+)/.exec(call!.stdin)![1]!;
      match(ref, /@sha256:[0-9a-f]{64}$/);
      const v = await verify(keys.ed25519.pub, ref);
      equal(v.code, 0, `${verb}: ${v.stderr}`);
    }
  });
});
