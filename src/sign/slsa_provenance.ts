/**
 * SLSA Provenance v1 predicates (https://slsa.dev/provenance/v1) for what ko builds:
 *
 * - an image: the external parameters of its `go build` (import path, platform, flags,
 *   ldflags, the names of the environment variables ko set), the resolved dependencies (the
 *   base image by digest, the Go toolchain, every Go module with its go.sum hash as an in-toto
 *   `dirHash`), the builder (ko-ts and its version) and when the build ran;
 * - an index: its import path and platforms, the base index, the union of its images'
 *   dependencies, and the images themselves as byproducts.
 */
import { h1ToSha256Hex } from "../go/build_info.ts";
import type { GoModule } from "../go/build_info.ts";
import type { BuildProvenance } from "../image/provenance.ts";
import { VERSION } from "../version.ts";

/** The builder ko names in provenance. */
const BUILDER_ID = `urn:ko-ts:builder:${VERSION}`;

/** What a ko build is, as a SLSA build type. */
const BUILD_TYPE = "urn:ko-ts:build-type:go-image:v1";

/** An in-toto ResourceDescriptor. */
interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  mediaType?: string;
  annotations?: Record<string, string>;
}

/** The SLSA v1 predicate of one platform's image. */
export function imageProvenance(p: BuildProvenance): unknown {
  return predicate(
    {
      importPath: p.importPath,
      platform: p.platform,
      flags: [...p.flags],
      ldflags: [...p.ldflags],
      env: [...p.envKeys],
    },
    dependencies([p]),
    { startedOn: p.startedOn, finishedOn: p.finishedOn },
  );
}

/** One image of an index, for {@link indexProvenance}. */
interface IndexChildProvenance {
  readonly digest: string;
  readonly mediaType: string;
  readonly provenance: BuildProvenance;
}

/** The SLSA v1 predicate of an index built from `children`, on `base` (absent for scratch). */
export function indexProvenance(
  importPath: string,
  base: BuildProvenance["base"],
  children: readonly IndexChildProvenance[],
): unknown {
  const starts = children.map((c) => c.provenance.startedOn).sort();
  const ends = children.map((c) => c.provenance.finishedOn).sort();
  return predicate(
    { importPath, platforms: children.map((c) => c.provenance.platform) },
    dependencies(children.map((c) => ({ ...c.provenance, base }))),
    { startedOn: starts[0] ?? "", finishedOn: ends[ends.length - 1] ?? "" },
    children.map((c) => ({
      name: c.provenance.platform,
      digest: digestSet(c.digest),
      mediaType: c.mediaType,
    })),
  );
}

function predicate(
  externalParameters: Record<string, unknown>,
  resolvedDependencies: ResourceDescriptor[],
  times: { startedOn: string; finishedOn: string },
  byproducts?: ResourceDescriptor[],
): unknown {
  return {
    buildDefinition: { buildType: BUILD_TYPE, externalParameters, resolvedDependencies },
    runDetails: {
      builder: { id: BUILDER_ID, version: { "ko-ts": VERSION } },
      metadata: { startedOn: times.startedOn, finishedOn: times.finishedOn },
      ...(byproducts ? { byproducts } : {}),
    },
  };
}

/** The base image, the Go toolchains and the modules of some builds, each once, in order. */
function dependencies(builds: readonly Pick<BuildProvenance, "base" | "buildInfo">[]) {
  const out = new Map<string, ResourceDescriptor>();
  const add = (d: ResourceDescriptor) => {
    const key = JSON.stringify([d.uri, d.name, d.digest]);
    if (!out.has(key)) out.set(key, d);
  };
  for (const b of builds) {
    if (b.base) add({ name: b.base.name, digest: digestSet(b.base.digest) });
  }
  for (const { buildInfo } of builds) {
    const go = buildInfo.goVersion;
    if (go) {
      add({ name: "go", uri: `pkg:golang/stdlib@${go.replace(/^go/, "")}`, annotations: { go } });
    }
  }
  for (const { buildInfo } of builds) {
    const main = buildInfo.main;
    if (main.path) add(moduleDescriptor(main, revision(buildInfo.settings)));
    for (const dep of buildInfo.deps) add(moduleDescriptor(dep));
  }
  return [...out.values()];
}

/** A Go module: its purl, and the go.sum hash both as written and as an in-toto dirHash. */
function moduleDescriptor(m: GoModule, gitCommit?: string): ResourceDescriptor {
  const used = m.replace ?? m;
  const hex = h1ToSha256Hex(used.sum);
  const digest: Record<string, string> = {};
  if (hex) digest.dirHash = hex;
  if (gitCommit) digest.gitCommit = gitCommit;
  const annotations: Record<string, string> = {};
  if (used.sum) annotations["go.sum"] = used.sum;
  if (m.replace) annotations.replaces = `${m.path}@${m.version}`;
  return {
    name: used.path,
    uri: `pkg:golang/${used.path}${used.version ? `@${used.version}` : ""}`,
    ...(Object.keys(digest).length ? { digest } : {}),
    ...(Object.keys(annotations).length ? { annotations } : {}),
  };
}

/** The `vcs.revision` build setting (the main module's commit), if recorded. */
function revision(settings: readonly { key: string; value: string }[]): string | undefined {
  return settings.find((s) => s.key === "vcs.revision")?.value || undefined;
}

function digestSet(digest: string): Record<string, string> {
  const [algorithm, hex] = digest.split(":");
  return { [algorithm!]: hex! };
}
