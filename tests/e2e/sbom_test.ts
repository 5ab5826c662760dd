/**
 * SBOMs end to end (ko-behaviour 7 plus OCI 1.1 referrers): `ko build` of the SBOM fixture
 * app (real dependencies with sums and replacements) pushes an SBOM for the index and every
 * child, as ko's cosign-style `sha256-<hex>.sbom` tag (checked the way `cosign download sbom`
 * reads it: exactly one layer whose media type and bytes are the document) and as an OCI 1.1
 * referrer — through the fallback tag on Debian's registry, which has no referrers API, and
 * through the API on go-containerregistry's registry, which has one. Documents are validated
 * against the official SPDX 2.3 and CycloneDX 1.6 schemas; `--sbom-dir` files, `--sbom=none`,
 * `go.version-m` and `COSIGN_REPOSITORY` are covered; image digests never change.
 *
 * cosign itself is not run here: building it from the module proxy takes ~10 minutes on 2
 * cores, so the tag layout is checked against what cosign's `download sbom` code reads;
 * tests/e2e/cosign_interop_test.ts runs the real cosign where scripts/install-cosign.sh has
 * built it.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { sha256Digest } from "../../src/oci/digest.ts";
import { startFaultProxy } from "../helpers/fault_proxy.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { ko, koOk } from "../helpers/ko_cli.ts";
import { registryFetch } from "../helpers/registry_http.ts";
import { type RegistryServer, startRegistry } from "../helpers/registry_server.ts";
import { startReferrersRegistry } from "../helpers/referrers_registry.ts";
import { tempDir } from "../helpers/tools.ts";
import { cycloneDxSchemaErrors, spdxSchemaErrors } from "../sbom/schema_validator.ts";
import { copySbomApp, SBOM_APP_MODULE, SBOM_APP_NAME, sbomAppEnv } from "./sbom_app.ts";

const ACCEPT = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

// deno-lint-ignore no-explicit-any
type Json = any;

async function getManifest(server: RegistryServer, repo: string, ref: string) {
  const res = await registryFetch(server, `/v2/${repo}/manifests/${ref}`, {
    headers: { accept: ACCEPT },
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return {
    status: res.status,
    bytes,
    json: res.status === 200 ? JSON.parse(new TextDecoder().decode(bytes)) as Json : undefined,
  };
}

async function getBlob(server: RegistryServer, repo: string, digest: string) {
  const res = await registryFetch(server, `/v2/${repo}/blobs/${digest}`);
  equal(res.status, 200, `blob ${digest} in ${repo}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * What `cosign download sbom` does for a digest: the manifest at `sha256-<hex>.sbom`, which
 * must have exactly one layer; the layer's media type and bytes are the SBOM.
 */
async function cosignDownloadSbom(server: RegistryServer, repo: string, digest: string) {
  const tag = `${digest.replace(":", "-")}.sbom`;
  const m = await getManifest(server, repo, tag);
  equal(m.status, 200, `${repo}:${tag} exists`);
  equal(m.json.layers.length, 1, "exactly one layer in attachment");
  const layer = m.json.layers[0];
  return {
    manifest: m.json,
    mediaType: layer.mediaType as string,
    bytes: await getBlob(server, repo, layer.digest),
  };
}

/** The referrers of `digest` through the fallback tag `sha256-<hex>` (an OCI index). */
async function fallbackReferrers(server: RegistryServer, repo: string, digest: string) {
  const m = await getManifest(server, repo, digest.replace(":", "-"));
  if (m.status === 404) return undefined;
  equal(m.json.mediaType, "application/vnd.oci.image.index.v1+json");
  return m.json.manifests as Json[];
}

/** Fetches a referrer artifact and checks it is an OCI 1.1 SBOM artifact of `subject`. */
async function checkReferrer(
  server: RegistryServer,
  repo: string,
  artifactDigest: string,
  subject: string,
  mediaType: string,
): Promise<Uint8Array> {
  const m = await getManifest(server, repo, artifactDigest);
  equal(m.status, 200);
  equal(m.json.artifactType, mediaType);
  deepEqual(m.json.config, {
    mediaType: "application/vnd.oci.empty.v1+json",
    size: 2,
    digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    data: "e30=",
  });
  equal(m.json.subject.digest, subject);
  equal(m.json.layers.length, 1);
  equal(m.json.layers[0].mediaType, mediaType);
  return await getBlob(server, repo, m.json.layers[0].digest);
}

const COSIGN_CONFIG = (sbom: Uint8Array) =>
  `{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["${
    sha256Digest(sbom)
  }"]},"config":{}}`;

Deno.test("ko build publishes SBOMs by cosign tag and as OCI referrers", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const src = await copySbomApp(tmp.path);
  const repoPath = "sboms";
  const repo = `${registry.host}/${repoPath}`;
  const imageRepo = `${repoPath}/app`;
  const env = (extra: Record<string, string> = {}) => ({
    ...sbomAppEnv(tmp.path),
    KO_DOCKER_REPO: repo,
    KO_DEFAULTBASEIMAGE: bases.ociIndex.ref,
    ...extra,
  });
  const two = "--platform=linux/amd64,linux/arm64";
  const sbomDir = join(tmp.path, "sboms");

  let index = "";
  let indexDigest = "";
  let children: string[] = [];
  await t.step(
    "spdx (default) for the index and every child: tag, referrer, --sbom-dir",
    async () => {
      const r = await ko(["build", "-B", two, "--sbom-dir", sbomDir, "."], {
        cwd: src,
        env: env(),
      });
      equal(r.code, 0, r.stderr);
      index = r.stdout.trim();
      indexDigest = index.split("@")[1]!;
      const top = await getManifest(registry, imageRepo, indexDigest);
      children = top.json.manifests.map((m: Json) => m.digest);
      equal(children.length, 2);

      const files = [...Deno.readDirSync(sbomDir)].map((e) => e.name).sort();
      deepEqual(files, [
        `${SBOM_APP_NAME}-index.spdx.json`,
        `${SBOM_APP_NAME}-linux-amd64.spdx.json`,
        `${SBOM_APP_NAME}-linux-arm64.spdx.json`,
      ]);
      for (const f of files) equal(Deno.statSync(join(sbomDir, f)).mode! & 0o777, 0o644);
      const file = (name: string) =>
        Deno.readFileSync(join(sbomDir, `${SBOM_APP_NAME}-${name}.spdx.json`));

      const subjects: Array<[string, Uint8Array]> = [
        [indexDigest, file("index")],
        [children[0]!, file("linux-amd64")],
        [children[1]!, file("linux-arm64")],
      ];
      for (const [digest, bytes] of subjects) {
        const doc = JSON.parse(new TextDecoder().decode(bytes));
        deepEqual(await spdxSchemaErrors(doc), [], `SPDX schema errors for ${digest}`);
        equal(doc.name, `sbom-${digest}`);
        // The cosign-style attachment, exactly as ko pushes it.
        const cosign = await cosignDownloadSbom(registry, imageRepo, digest);
        equal(cosign.mediaType, "text/spdx+json");
        deepEqual(cosign.bytes, bytes);
        equal(cosign.manifest.mediaType, "application/vnd.oci.image.manifest.v1+json");
        equal(cosign.manifest.config.mediaType, "application/vnd.oci.image.config.v1+json");
        equal(cosign.manifest.annotations, undefined);
        equal(cosign.manifest.subject, undefined);
        equal(
          new TextDecoder().decode(
            await getBlob(registry, imageRepo, cosign.manifest.config.digest),
          ),
          COSIGN_CONFIG(bytes),
        );
        match(
          r.stderr,
          new RegExp(`Published SBOM ${repo}/app:${digest.replace(":", "-")}\\.sbom\\n`),
        );
        // The OCI 1.1 referrer, listed by the fallback tag (this registry has no referrers API).
        const referrers = await fallbackReferrers(registry, imageRepo, digest);
        equal(referrers?.length, 1);
        equal(referrers![0].artifactType, "text/spdx+json");
        equal(referrers![0].mediaType, "application/vnd.oci.image.manifest.v1+json");
        deepEqual(
          await checkReferrer(registry, imageRepo, referrers![0].digest, digest, "text/spdx+json"),
          bytes,
        );
      }
      // A child's document describes that child; the index's describes the index and children.
      const amd64 = JSON.parse(new TextDecoder().decode(file("linux-amd64")));
      ok(amd64.packages.some((p: Json) => p.name === SBOM_APP_MODULE));
      ok(
        amd64.packages.some((p: Json) =>
          p.name === "example.com/lib" && p.checksums?.[0]?.algorithm === "SHA256"
        ),
      );
      const indexDoc = JSON.parse(new TextDecoder().decode(file("index")));
      deepEqual(
        indexDoc.relationships.filter((x: Json) => x.relationshipType === "VARIANT_OF").length,
        2,
      );
    },
  );

  await t.step("the image digest is the same with --sbom=none, spdx and cyclonedx", async () => {
    for (const sbom of ["none", "cyclonedx", "spdx"]) {
      const [line] = await koOk(["build", "-B", two, `--sbom=${sbom}`, "."], {
        cwd: src,
        env: env(),
      });
      equal(line, index, `--sbom=${sbom}`);
    }
  });

  await t.step("referrers accumulate in the fallback tag without duplicates", async () => {
    // spdx, then cyclonedx, then spdx again were pushed for the same index.
    const referrers = await fallbackReferrers(registry, imageRepo, indexDigest);
    deepEqual(referrers!.map((d) => d.artifactType), [
      "text/spdx+json",
      "application/vnd.cyclonedx+json",
    ]);
  });

  await t.step("--sbom=none pushes nothing but the image", async () => {
    const [line] = await koOk(["build", "-B", "--sbom=none", "--image-label=x=none", "."], {
      cwd: src,
      env: env(),
    });
    const digest = line!.split("@")[1]!;
    equal((await getManifest(registry, imageRepo, `${digest.replace(":", "-")}.sbom`)).status, 404);
    equal(await fallbackReferrers(registry, imageRepo, digest), undefined);
  });

  await t.step("cyclonedx documents validate and carry the same purls as SPDX", async () => {
    const dir = join(tmp.path, "cdx");
    const r = await ko(["build", "-B", two, "--sbom=cyclonedx", "--sbom-dir", dir, "."], {
      cwd: src,
      env: env(),
    });
    equal(r.code, 0, r.stderr);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    deepEqual(names, [
      `${SBOM_APP_NAME}-index.cyclonedx.json`,
      `${SBOM_APP_NAME}-linux-amd64.cyclonedx.json`,
      `${SBOM_APP_NAME}-linux-arm64.cyclonedx.json`,
    ]);
    for (const n of names) {
      const doc = JSON.parse(await Deno.readTextFile(join(dir, n)));
      deepEqual(await cycloneDxSchemaErrors(doc), [], `CycloneDX schema errors in ${n}`);
    }
    const cdx = JSON.parse(
      await Deno.readTextFile(join(dir, `${SBOM_APP_NAME}-linux-amd64.cyclonedx.json`)),
    );
    const spdx = JSON.parse(
      await Deno.readTextFile(join(sbomDir, `${SBOM_APP_NAME}-linux-amd64.spdx.json`)),
    );
    const cdxPurls = [cdx.metadata.component.purl, ...cdx.components.map((c: Json) => c.purl)]
      .sort();
    const spdxPurls = spdx.packages.map((p: Json) => p.externalRefs[0].referenceLocator).sort();
    deepEqual(cdxPurls, spdxPurls);
    const pushed = await cosignDownloadSbom(registry, imageRepo, children[0]!);
    equal(pushed.mediaType, "application/vnd.cyclonedx+json");
    deepEqual(
      pushed.bytes,
      await Deno.readFile(join(dir, `${SBOM_APP_NAME}-linux-amd64.cyclonedx.json`)),
    );
  });

  await t.step("go.version-m: the go version -m text per image, no index document", async () => {
    const dir = join(tmp.path, "gvm");
    const r = await ko(["build", "-B", two, "--sbom=go.version-m", "--sbom-dir", dir, "."], {
      cwd: src,
      env: env(),
    });
    equal(r.code, 0, r.stderr);
    deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      `${SBOM_APP_NAME}-linux-amd64.go.version-m`,
      `${SBOM_APP_NAME}-linux-arm64.go.version-m`,
    ]);
    const text = await Deno.readTextFile(join(dir, `${SBOM_APP_NAME}-linux-amd64.go.version-m`));
    match(text, /^\/ko-app\/App: go1\.\d+/);
    match(text, /\tdep\texample\.com\/lib\tv1\.0\.0\th1:/);
    match(text, /\tbuild\tGOARCH=amd64\n/);
    const pushed = await cosignDownloadSbom(registry, imageRepo, children[0]!);
    equal(pushed.mediaType, "application/vnd.go.version-m");
    equal(new TextDecoder().decode(pushed.bytes), text);
  });

  await t.step("COSIGN_REPOSITORY takes the tags; referrers stay by the image", async () => {
    const r = await ko(["build", "-B", "--platform=linux/amd64", "--image-label=x=cosign", "."], {
      cwd: src,
      env: env({ COSIGN_REPOSITORY: `${registry.host}/signatures` }),
    });
    equal(r.code, 0, r.stderr);
    const digest = r.stdout.trim().split("@")[1]!;
    const tag = `${digest.replace(":", "-")}.sbom`;
    equal((await getManifest(registry, imageRepo, tag)).status, 404);
    const sbom = await cosignDownloadSbom(registry, "signatures", digest);
    equal(sbom.mediaType, "text/spdx+json");
    match(r.stderr, new RegExp(`Published SBOM ${registry.host}/signatures:${tag}`));
    equal((await fallbackReferrers(registry, imageRepo, digest))?.length, 1);
    const bad = await ko(["build", "-B", "."], {
      cwd: src,
      env: env({ COSIGN_REPOSITORY: "UPPER/case" }),
    });
    equal(bad.code, 1);
    match(bad.stderr, /Error: invalid COSIGN_REPOSITORY "UPPER\/case": /);
  });

  await t.step(
    "a registry refusing the referrer artifact gets a warning, not a failure",
    async () => {
      // Refuses the empty-descriptor blob `{}` that only the OCI 1.1 artifact uses.
      const empty = "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";
      await using proxy = await startFaultProxy(
        registry.host,
        (req) =>
          req.method === "PUT" && req.target.includes(empty)
            ? {
              status: 400,
              body: '{"errors":[{"code":"UNSUPPORTED","message":"no artifacts here"}]}',
            }
            : "pass",
      );
      const r = await ko(["build", "-B", "--platform=linux/amd64", "--image-label=x=proxy", "."], {
        cwd: src,
        env: env({ KO_DOCKER_REPO: `${proxy.host}/refuses` }),
      });
      equal(r.code, 0, r.stderr);
      const digest = r.stdout.trim().split("@")[1]!;
      match(
        r.stderr,
        new RegExp(
          `WARNING: could not publish the SBOM of ${digest} as an OCI referrer in ${proxy.host}/refuses/app: .*no artifacts here`,
        ),
      );
      equal(
        (await cosignDownloadSbom(registry, "refuses/app", digest)).mediaType,
        "text/spdx+json",
      );
    },
  );

  await t.step("--sbom-dir is written whatever the publisher", async () => {
    const dir = join(tmp.path, "nopush");
    const layout = join(tmp.path, "layout");
    const r = await ko(
      ["build", "-B", "--push=false", "--oci-layout-path", layout, "--sbom-dir", dir, "."],
      { cwd: src, env: env() },
    );
    equal(r.code, 0, r.stderr);
    deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [
      `${SBOM_APP_NAME}-linux-amd64.spdx.json`,
    ]);
    ok(!r.stderr.includes("Published SBOM"));
  });
});

Deno.test("SBOM referrers go through the referrers API where the registry has one", async () => {
  await using registry = await startReferrersRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const src = await copySbomApp(tmp.path);
  const r = await ko(["build", "-B", "--platform=linux/amd64", "."], {
    cwd: src,
    env: {
      ...sbomAppEnv(tmp.path),
      KO_DOCKER_REPO: `${registry.host}/api`,
      KO_DEFAULTBASEIMAGE: bases.ociImage.ref,
    },
  });
  equal(r.code, 0, r.stderr);
  const digest = r.stdout.trim().split("@")[1]!;
  const res = await registryFetch(registry, `/v2/api/app/referrers/${digest}`);
  equal(res.status, 200);
  const listed = await res.json();
  equal(listed.manifests.length, 1);
  const bytes = await checkReferrer(
    registry,
    "api/app",
    listed.manifests[0].digest,
    digest,
    "text/spdx+json",
  );
  deepEqual(await spdxSchemaErrors(JSON.parse(new TextDecoder().decode(bytes))), []);
  // No fallback tag was written, and the cosign-style tag is there too.
  equal(await fallbackReferrers(registry, "api/app", digest), undefined);
  equal((await cosignDownloadSbom(registry, "api/app", digest)).mediaType, "text/spdx+json");
  match(r.stderr, /as a referrer of sha256:[0-9a-f]{64}\n/);
  ok(!/fallback tag/.test(r.stderr));
});
