/**
 * ko resolve end to end against a real registry (Debian's docker-registry) and real `go build`:
 * the fixture manifests of tests/testdata/resolve/ (a Deployment, a List, a nested custom
 * resource, JSON, comments and mixed quoting, several documents with a trailing `---`) resolve
 * to YAML that parses, whose references pull with skopeo, and which matches the golden files
 * byte for byte once the stand-in digests are replaced by the pushed ones. Then selectors,
 * local `ko://./x` references, errors through the CLI, and the build and publish flags.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { parseAllDocuments } from "../../src/deps/yaml.ts";
import { startRegistry } from "../helpers/registry_server.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { registryFetch } from "../helpers/registry_http.ts";
import { runOk, skopeoCopy, skopeoInspect, tempDir } from "../helpers/tools.ts";
import { ko, type KoRun } from "../helpers/ko_cli.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { md5Hex } from "../../src/publish/naming.ts";
import { MANIFEST_ACCEPT } from "../../src/oci/media_types.ts";

const TESTDATA = new URL("../testdata/resolve/", import.meta.url).pathname;
const MODULE = "example.com/app";
/** Every `ko://example.com/app/cmd/<name>` the fixtures mention. */
const APPS = [
  "plain",
  "single",
  "double",
  "literal",
  "folded",
  "step",
  "nested",
  "publisher",
  "migrate",
  "web",
  "proxy",
  "job",
  "config",
  "worker",
];
/** The fixtures with golden files, in the order they are resolved together. */
const GOLDEN = [
  "deployment.yaml",
  "custom_resource.yaml",
  "multi_doc.yaml",
  "app.json",
  "comments_quoting.yaml",
];

/** The stand-in reference the resolver's unit tests (and so the golden files) use for `ref`. */
function fakeDigestRef(ref: string): string {
  return `registry.example/app@sha256:${createHash("sha256").update(ref).digest("hex")}`;
}

/** The repository ko names an app of the fixture module under `repo` by default. */
function appRepo(repo: string, name: string): string {
  const ip = `${MODULE}/cmd/${name}`;
  return `${repo}/${name}-${md5Hex(ip)}`;
}

/** Which import paths a run built, with how many `go build`s each (from the build log). */
function builds(run: KoRun): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of run.stderr.matchAll(/^\S+ \S+ Building (\S+) for (\S+)$/gm)) {
    counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  }
  return counts;
}

/** Every string scalar of the output's documents (keys included) that `keep` accepts. */
function strings(yaml: string, keep: (s: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") {
      if (keep(v)) out.push(v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        walk(k);
        walk(x);
      }
    }
  };
  for (const doc of parseYaml(yaml)) walk(doc);
  return out;
}

/** Parses every document, failing on any YAML error. */
function parseYaml(yaml: string): unknown[] {
  const docs = parseAllDocuments(yaml);
  ok(Array.isArray(docs), "a YAML stream");
  for (const d of docs) deepEqual(d.errors, [], `parse errors in:\n${yaml}`);
  return docs.map((d) => d.toJS());
}

/** `metadata.name` of each object, List items listed inside their List as `List[a,b]`. */
function objectNames(yaml: string): string[] {
  return parseYaml(yaml).filter((d) => d !== null).map((d) => {
    const o = d as { kind: string; metadata?: { name: string }; items?: unknown[] };
    if (o.kind !== "List") return o.metadata!.name;
    return `List[${o.items!.map((i) => (i as { metadata: { name: string } }).metadata.name)}]`;
  });
}

Deno.test("ko resolve builds, pushes and rewrites ko:// references against a real registry", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const files: Record<string, string> = {
    "lib/lib.go": "package lib\n",
    "cmd/broken/main.go": "package main\n\nfunc main() { undefinedThing() }\n",
  };
  for (const name of APPS) {
    files[`cmd/${name}/main.go`] = `package main\n\nfunc main() { println("${name}") }\n`;
  }
  const src = await writeGoApp(join(tmp.path, "src"), { module: MODULE, files });
  const repo = `${registry.host}/e2e`;
  const env = (extra: Record<string, string> = {}) => ({
    KO_DOCKER_REPO: repo,
    KO_DEFAULTBASEIMAGE: bases.ociImage.ref,
    ...extra,
  });
  const resolve = (args: string[], extra: { env?: Record<string, string>; stdin?: string } = {}) =>
    ko(["resolve", ...args], {
      cwd: src,
      env: extra.env ?? env(),
      ...(extra.stdin !== undefined ? { stdin: extra.stdin } : {}),
    });
  const resolveOk = async (args: string[], extra: Parameters<typeof resolve>[1] = {}) => {
    const r = await resolve(args, extra);
    equal(r.code, 0, `ko resolve ${args.join(" ")} exited ${r.code}:\n${r.stderr}`);
    return r;
  };
  const write = async (rel: string, text: string) => {
    await Deno.mkdir(join(src, rel, ".."), { recursive: true });
    await Deno.writeTextFile(join(src, rel), text);
    return rel;
  };
  /** The digest the registry holds for `name:tag`. */
  const digestOf = async (name: string, tag = "latest") => {
    const path = name.slice(registry.host.length + 1);
    const res = await registryFetch(registry, `/v2/${path}/manifests/${tag}`, {
      method: "HEAD",
      headers: { accept: MANIFEST_ACCEPT.join(", ") },
    });
    equal(res.status, 200, `${name}:${tag}`);
    return res.headers.get("docker-content-digest")!;
  };
  const tagsOf = async (path: string): Promise<string[] | undefined> => {
    const res = await registryFetch(registry, `/v2/${path}/tags/list`);
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    return ((await res.json()) as { tags: string[] }).tags;
  };

  await t.step(
    "the fixtures resolve to their golden output, every reference pulls, each app is built once",
    async () => {
      const inputs = [...GOLDEN, "selector.yaml"].map((f) => TESTDATA + f);
      const r = await resolveOk(inputs.flatMap((f) => ["-f", f]));
      // Each distinct reference across all six files was built exactly once.
      const built = builds(r);
      deepEqual(
        [...built.keys()].sort(),
        APPS.map((a) => `${MODULE}/cmd/${a}`).sort(),
      );
      ok([...built.values()].every((n) => n === 1), `built more than once: ${r.stderr}`);

      // Byte for byte: the golden files with the pushed references in place of the stand-ins;
      // selector.yaml (no golden) is its input with every reference replaced.
      const published = new Map<string, string>();
      for (const name of APPS) {
        const image = appRepo(repo, name);
        published.set(`ko://${MODULE}/cmd/${name}`, `${image}@${await digestOf(image)}`);
      }
      let expected = "";
      for (const f of GOLDEN) {
        expected += await Deno.readTextFile(TESTDATA + f.replace(/\.(yaml|json)$/, ".golden"));
      }
      for (const [ref, real] of published) expected = expected.replaceAll(fakeDigestRef(ref), real);
      const selector = await Deno.readTextFile(TESTDATA + "selector.yaml");
      expected +=
        selector.replace(/ko:\/\/example\.com\/app\/cmd\/\w+/g, (ref) => published.get(ref)!) +
        "\n---\n";
      equal(r.stdout, expected);

      // The output parses, and every image reference in it pulls.
      const refs = new Set(strings(r.stdout, (s) => s.startsWith(`${registry.host}/`)));
      equal(refs.size, APPS.length);
      for (const ref of refs) {
        const inspected = await skopeoInspect(ref);
        equal(inspected.Digest, ref.split("@")[1]);
      }
      // Only the values that were references changed.
      const left = strings(r.stdout, (s) => s.includes("ko://"));
      deepEqual(left.sort(), [
        "  ko://example.com/app/cmd/plain",
        "built by ko://example.com/app/cmd/plain",
        "plain text mentioning ko://example.com/app/cmd/step",
        "see ko://example.com/app/cmd/step",
      ]);
    },
  );

  await t.step(
    "selectors keep matching objects and List items, building only their references",
    async () => {
      const cases: Array<{ selector: string; names: string[]; apps: string[] }> = [
        {
          selector: "app=web",
          names: ["web", "List[web-worker]"],
          apps: ["web", "worker"],
        },
        {
          selector: "app==db",
          names: ["db", "List[db-migrate]"],
          apps: ["migrate"],
        },
        {
          selector: "tier!=frontend",
          names: ["db", "unlabelled", "List[web-worker,db-migrate,unlabelled-secret]"],
          apps: ["config", "worker", "migrate"],
        },
        {
          selector: "app in (db, other)",
          names: ["db", "List[db-migrate]"],
          apps: ["migrate"],
        },
        {
          selector: "app notin (web),tier",
          names: ["db"],
          apps: [],
        },
        {
          selector: "tier",
          names: ["web", "db", "List[web-worker]"],
          apps: ["web", "worker"],
        },
        {
          selector: "!tier",
          names: ["unlabelled", "List[db-migrate,unlabelled-secret]"],
          apps: ["config", "migrate"],
        },
        { selector: "app=nothing", names: [], apps: [] },
      ];
      for (const c of cases) {
        const r = await resolveOk(["-l", c.selector, "-f", TESTDATA + "selector.yaml"]);
        deepEqual(objectNames(r.stdout), c.names, `-l ${c.selector}`);
        deepEqual(
          [...builds(r).keys()].sort(),
          c.apps.map((a) => `${MODULE}/cmd/${a}`).sort(),
          `-l ${c.selector} builds`,
        );
        ok(!r.stdout.includes("ko://"), `-l ${c.selector} left a reference:\n${r.stdout}`);
        if (c.names.length === 0) equal(r.stdout, "\n---\n");
      }
    },
  );

  await t.step(
    "ko://./cmd/x is qualified: the same image as the full import path, built once",
    async () => {
      const file = await write(
        "local.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n" +
          "  - image: ko://./cmd/web\n  - image: ko://example.com/app/cmd/web\n",
      );
      const ok2 = await resolveOk(["-f", file]);
      const image = appRepo(repo, "web");
      const ref = `${image}@${await digestOf(image)}`;
      equal(
        ok2.stdout,
        `apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: ${ref}\n  - image: ${ref}\n\n---\n`,
      );
      deepEqual([...builds(ok2)], [[`${MODULE}/cmd/web`, 1]]);
    },
  );

  await t.step(
    "errors name the file and line (or column), print no partial file, exit 1",
    async () => {
      const notMain = await write(
        "errors/not_main.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  image: ko://example.com/app/cmd/web\n" +
          "  sidecar: ko://example.com/app/lib\n",
      );
      const missing = await write(
        "errors/missing.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  image: ko://./cmd/nope\n",
      );
      const malformed = await write(
        "errors/malformed.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  image: [ko://example.com/app/cmd/web\n",
      );
      const broken = await write(
        "errors/broken.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  image: ko://example.com/app/cmd/broken\n",
      );
      const good = await write(
        "errors/good.yaml",
        "apiVersion: v1\nkind: Pod\nspec:\n  image: ko://example.com/app/cmd/web\n",
      );
      const expectOneError = (r: KoRun, pattern: RegExp) => {
        equal(r.code, 1, r.stderr);
        const errors = r.stderr.split("\n").filter((l) => l.startsWith("Error: "));
        equal(errors.length, 1, r.stderr);
        match(errors[0]!, pattern);
        ok(r.stderr.endsWith(errors[0]! + "\n"), `the error is the last line:\n${r.stderr}`);
      };

      let r = await resolve(["-f", good, "-f", notMain]);
      expectOneError(
        r,
        /^Error: error processing import paths in "errors\/not_main\.yaml": error resolving image references: errors\/not_main\.yaml:5: found strict reference but ko:\/\/example\.com\/app\/lib is not a valid import path: importpath is not `package main`$/,
      );
      equal(r.stdout, "", "references are checked before anything is built or written");
      deepEqual(builds(r).size, 0);

      r = await resolve(["-f", missing]);
      expectOneError(
        r,
        /^Error: error processing import paths in "errors\/missing\.yaml": error resolving image references: errors\/missing\.yaml:4: found strict reference but ko:\/\/\.\/cmd\/nope is not a valid import path: .*cmd\/nope/,
      );
      equal(r.stdout, "");

      r = await resolve(["-f", good, "-f", malformed]);
      expectOneError(
        r,
        /^Error: error processing import paths in "errors\/malformed\.yaml": errors\/malformed\.yaml:5:1: flow sequence .* must .* end with a \]$/,
      );
      equal(r.stdout, "");

      // A bad selector is reported before anything else (here KO_DOCKER_REPO is unset).
      r = await resolve(["-l", "app in (web", "-f", good], { env: {} });
      expectOneError(
        r,
        /^Error: unable to parse selector "app in \(web": unable to parse requirement: found end of string, expected: ',' or '\)'$/,
      );
      equal(r.stdout, "");

      // A failed build: the failing file is not written at all, and the earlier one either
      // whole or (when the failure cancels it first) not at all. The compiler's own lines
      // follow the one Error line, as with ko build.
      r = await resolve(["-f", good, "-f", broken]);
      equal(r.code, 1, r.stderr);
      match(
        r.stderr,
        /^Error: error processing import paths in "errors\/broken\.yaml": error resolving image references: error building "ko:\/\/example\.com\/app\/cmd\/broken": build: go build: exit status 1: # example\.com\/app\/cmd\/broken\n.*undefined: undefinedThing\n$/m,
      );
      equal(r.stderr.match(/^Error: /gm)?.length, 1);
      const image = appRepo(repo, "web");
      const ref = `${image}@${await digestOf(image)}`;
      const whole = `apiVersion: v1\nkind: Pod\nspec:\n  image: ${ref}\n\n---\n`;
      ok(r.stdout === "" || r.stdout === whole, r.stdout);
    },
  );

  const pod = (...apps: string[]) =>
    "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n" +
    apps.map((a) => `  - image: ko://${MODULE}/cmd/${a}\n`).join("");
  const imagesIn = (yaml: string) =>
    (parseYaml(yaml)[0] as { spec: { containers: { image: string }[] } }).spec.containers
      .map((c) => c.image);

  await t.step(
    "--platform with two platforms puts index digests in the YAML; --image-refs lists every child",
    async () => {
      const file = await write("flags/two.yaml", pod("web", "job"));
      const refsFile = join(tmp.path, "refs.txt");
      const multi = `${registry.host}/multi`;
      const r = await resolveOk(
        [
          "-f",
          file,
          "--platform",
          "linux/amd64,linux/arm64",
          "--image-refs",
          refsFile,
          "--sbom=none",
        ],
        { env: env({ KO_DOCKER_REPO: multi, KO_DEFAULTBASEIMAGE: bases.ociIndex.ref }) },
      );
      const images = imagesIn(r.stdout);
      equal(images.length, 2);
      const expectedLines: string[] = [];
      for (const [i, name] of ["web", "job"].entries()) {
        match(images[i]!, new RegExp(`^${appRepo(multi, name)}@sha256:[0-9a-f]{64}$`));
        const raw = await skopeoInspect(images[i]!, { raw: true });
        equal(raw.mediaType, "application/vnd.oci.image.index.v1+json");
        const children = raw.manifests as Array<
          { digest: string; platform: { architecture: string } }
        >;
        deepEqual(children.map((c) => c.platform.architecture), ["amd64", "arm64"]);
        expectedLines.push(
          images[i]!,
          ...children.map((c) => `${appRepo(multi, name)}@${c.digest}`),
        );
        // --sbom=none: no SBOM tag next to the index.
        const tags = await tagsOf(appRepo(multi, name).slice(registry.host.length + 1));
        deepEqual(tags, ["latest"]);
      }
      const lines = (await Deno.readTextFile(refsFile)).split("\n");
      equal(lines.pop(), "");
      deepEqual(lines.sort(), expectedLines.sort());
    },
  );

  await t.step(
    "--sbom: SPDX SBOMs are pushed next to each image by default, none with --sbom=none",
    async () => {
      const file = await write("flags/sbom.yaml", pod("web"));
      for (const [flags, path] of [[[], "sbom"], [["--sbom=none"], "nosbom"]] as const) {
        const r = await resolveOk(["-f", file, ...flags], {
          env: env({ KO_DOCKER_REPO: `${registry.host}/${path}` }),
        });
        const [ref] = imagesIn(r.stdout);
        const hex = ref!.split("@sha256:")[1]!;
        const tags = await tagsOf(appRepo(path, "web"));
        // spdx: the cosign-style tag, and the referrers fallback tag on this registry.
        deepEqual(
          tags?.sort(),
          flags.length ? ["latest"] : ["latest", `sha256-${hex}`, `sha256-${hex}.sbom`],
        );
      }
    },
  );

  await t.step("-t and --tag-only", async () => {
    const file = await write("flags/tags.yaml", pod("web"));
    const tagged = await resolveOk(["-f", file, "-t", "v1,v2", "-j", "1"]);
    const [ref] = imagesIn(tagged.stdout);
    const image = appRepo(repo, "web");
    match(ref!, new RegExp(`^${image}@sha256:`));
    for (const tag of ["v1", "v2"]) equal(await digestOf(image, tag), ref!.split("@")[1]);
    const one = await resolveOk(["-f", file, "-t", "v3"]);
    match(imagesIn(one.stdout)[0]!, new RegExp(`^${image}:v3@sha256:`));
    const only = await resolveOk(["-f", file, "-t", "v4", "--tag-only"]);
    deepEqual(imagesIn(only.stdout), [`${image}:v4`]);
    equal((await skopeoInspect(`${image}:v4`)).Digest, ref!.split("@")[1]);
  });

  await t.step("--push=false names images without pushing them (here from stdin)", async () => {
    const unpushed = `${registry.host}/unpushed`;
    const r = await resolveOk(["-f", "-", "--push=false"], {
      env: env({ KO_DOCKER_REPO: unpushed }),
      stdin: pod("web"),
    });
    const [ref] = imagesIn(r.stdout);
    const pushed = appRepo(repo, "web");
    // The same digest as the pushed build, under a repository that does not exist.
    equal(ref, `${appRepo(unpushed, "web")}:latest@${await digestOf(pushed)}`);
    equal(await tagsOf(appRepo(unpushed, "web").slice(registry.host.length + 1)), undefined);
  });

  await t.step("-P, -B and --bare naming", async () => {
    const file = await write("flags/naming.yaml", pod("web"));
    const digest = await digestOf(appRepo(repo, "web"));
    const expectations: Array<[string, string]> = [
      ["-P", `${repo}/${MODULE}/cmd/web@${digest}`],
      ["-B", `${repo}/web@${digest}`],
      ["--bare", `${repo}@${digest}`],
    ];
    for (const [flag, expected] of expectations) {
      const r = await resolveOk(["-f", file, flag]);
      deepEqual(imagesIn(r.stdout), [expected], flag);
      await skopeoInspect(expected);
    }
  });

  await t.step("--tarball and --oci-layout-path hold every resolved image", async () => {
    const file = await write("flags/outputs.yaml", pod("web", "job", "proxy"));
    const tarball = join(tmp.path, "images.tar");
    const layout = join(tmp.path, "layout");
    const r = await resolveOk(["-f", file, "--tarball", tarball, "--oci-layout-path", layout]);
    const images = imagesIn(r.stdout);
    const names = ["web", "job", "proxy"].map((n) => appRepo(repo, n));
    deepEqual(images.map((i) => i.split("@")[0]), names, "the registry publisher is last");
    const digests = images.map((i) => i.split("@")[1]!);

    const manifest = JSON.parse(
      (await runOk("tar", ["-xOf", tarball, "manifest.json"])).stdout,
    ) as Array<{ RepoTags: string[] }>;
    deepEqual(
      manifest.map((m) => m.RepoTags).flat().sort(),
      names.map((n) => `${n}:latest`).sort(),
    );

    const index = JSON.parse(await Deno.readTextFile(join(layout, "index.json"))) as {
      manifests: Array<{ digest: string }>;
    };
    deepEqual(index.manifests.map((m) => m.digest).sort(), [...digests].sort());
    await skopeoCopy(`oci:${layout}:${names[1]}:latest`, `dir:${join(tmp.path, "copied")}`);

    // Without a push the layout is the last publisher: references name the layout.
    const only = join(tmp.path, "only-layout");
    const unpushed = await resolveOk(["-f", file, "--push=false", "--oci-layout-path", only]);
    deepEqual(imagesIn(unpushed.stdout), digests.map((d) => `${only}@${d}`));
  });
});
