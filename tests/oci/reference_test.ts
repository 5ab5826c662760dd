import { deepEqual, equal, throws } from "node:assert/strict";
import { KoError } from "../../src/util/errors.ts";
import {
  parseReference,
  parseRepository,
  referenceIdentifier,
  referenceName,
  repoString,
  tagOrLatest,
} from "../../src/oci/reference.ts";

const HEX = "a".repeat(64);
const DIGEST = `sha256:${HEX}`;

interface ValidCase {
  input: string;
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
  name: string;
}

const VALID: ValidCase[] = [
  {
    input: "cgr.dev/chainguard/static:latest",
    registry: "cgr.dev",
    repository: "chainguard/static",
    tag: "latest",
    name: "cgr.dev/chainguard/static:latest",
  },
  {
    input: "alpine",
    registry: "index.docker.io",
    repository: "library/alpine",
    name: "index.docker.io/library/alpine:latest",
  },
  {
    input: "alpine:3.20",
    registry: "index.docker.io",
    repository: "library/alpine",
    tag: "3.20",
    name: "index.docker.io/library/alpine:3.20",
  },
  {
    input: "docker.io/library/alpine",
    registry: "index.docker.io",
    repository: "library/alpine",
    name: "index.docker.io/library/alpine:latest",
  },
  {
    input: "docker.io/alpine",
    registry: "index.docker.io",
    repository: "library/alpine",
    name: "index.docker.io/library/alpine:latest",
  },
  {
    input: "index.docker.io/alpine",
    registry: "index.docker.io",
    repository: "library/alpine",
    name: "index.docker.io/library/alpine:latest",
  },
  {
    input: "myuser/app",
    registry: "index.docker.io",
    repository: "myuser/app",
    name: "index.docker.io/myuser/app:latest",
  },
  {
    input: "localhost/foo",
    registry: "localhost",
    repository: "foo",
    name: "localhost/foo:latest",
  },
  {
    input: "localhost:5000/foo:bar",
    registry: "localhost:5000",
    repository: "foo",
    tag: "bar",
    name: "localhost:5000/foo:bar",
  },
  {
    input: "127.0.0.1:5000/foo/bar",
    registry: "127.0.0.1:5000",
    repository: "foo/bar",
    name: "127.0.0.1:5000/foo/bar:latest",
  },
  {
    input: `gcr.io/project/app@${DIGEST}`,
    registry: "gcr.io",
    repository: "project/app",
    digest: DIGEST,
    name: `gcr.io/project/app@${DIGEST}`,
  },
  {
    input: `gcr.io/project/app:v1@${DIGEST}`,
    registry: "gcr.io",
    repository: "project/app",
    tag: "v1",
    digest: DIGEST,
    name: `gcr.io/project/app@${DIGEST}`,
  },
  {
    input: `alpine@${DIGEST}`,
    registry: "index.docker.io",
    repository: "library/alpine",
    digest: DIGEST,
    name: `index.docker.io/library/alpine@${DIGEST}`,
  },
  {
    input: "ko.local/app",
    registry: "ko.local",
    repository: "app",
    name: "ko.local/app:latest",
  },
  {
    // A single component is never a registry in a reference, even with a dot.
    input: "kind.local",
    registry: "index.docker.io",
    repository: "library/kind.local",
    name: "index.docker.io/library/kind.local:latest",
  },
  {
    input: "kind.local/app-51d74b7127c5f7495a338df33ecdeb19:abc",
    registry: "kind.local",
    repository: "app-51d74b7127c5f7495a338df33ecdeb19",
    tag: "abc",
    name: "kind.local/app-51d74b7127c5f7495a338df33ecdeb19:abc",
  },
  {
    input: "[::1]:5000/foo:bar",
    registry: "[::1]:5000",
    repository: "foo",
    tag: "bar",
    name: "[::1]:5000/foo:bar",
  },
  {
    input: "[2001:db8::1]/foo",
    registry: "[2001:db8::1]",
    repository: "foo",
    name: "[2001:db8::1]/foo:latest",
  },
  {
    input: "ghcr.io/a/b/c/d:v1.2.3-rc.1_x",
    registry: "ghcr.io",
    repository: "a/b/c/d",
    tag: "v1.2.3-rc.1_x",
    name: "ghcr.io/a/b/c/d:v1.2.3-rc.1_x",
  },
  {
    input: "registry.example.org/foo/bar/example-51d74b7127c5f7495a338df33ecdeb19",
    registry: "registry.example.org",
    repository: "foo/bar/example-51d74b7127c5f7495a338df33ecdeb19",
    name: "registry.example.org/foo/bar/example-51d74b7127c5f7495a338df33ecdeb19:latest",
  },
  {
    input: "x/a.b__c/d--e.f_g:_TAG",
    registry: "index.docker.io",
    repository: "x/a.b__c/d--e.f_g",
    tag: "_TAG",
    name: "index.docker.io/x/a.b__c/d--e.f_g:_TAG",
  },
  {
    // A first component with a dot is a registry.
    input: "a.b/cd",
    registry: "a.b",
    repository: "cd",
    name: "a.b/cd:latest",
  },
  {
    input: "Registry.Example.COM:443/xy",
    registry: "Registry.Example.COM:443",
    repository: "xy",
    name: "Registry.Example.COM:443/xy:latest",
  },
  {
    // Two characters are enough; so is a one-character component in a longer path.
    input: "ghcr.io/a/b",
    registry: "ghcr.io",
    repository: "a/b",
    name: "ghcr.io/a/b:latest",
  },
  {
    input: "test-46c4b272b3716c422d5ff6dfc7547fa9:latest",
    registry: "index.docker.io",
    repository: "library/test-46c4b272b3716c422d5ff6dfc7547fa9",
    tag: "latest",
    name: "index.docker.io/library/test-46c4b272b3716c422d5ff6dfc7547fa9:latest",
  },
  {
    input: `xy:${"t".repeat(128)}`,
    registry: "index.docker.io",
    repository: "library/xy",
    tag: "t".repeat(128),
    name: `index.docker.io/library/xy:${"t".repeat(128)}`,
  },
];

for (const c of VALID) {
  Deno.test(`parseReference accepts ${c.input.slice(0, 70)}`, () => {
    const ref = parseReference(c.input);
    const want: Record<string, unknown> = {
      registry: c.registry,
      repository: c.repository,
      original: c.input,
    };
    if (c.tag !== undefined) want.tag = c.tag;
    if (c.digest !== undefined) want.digest = c.digest;
    deepEqual({ ...ref }, want);
    equal(referenceName(ref), c.name);
    equal(repoString(ref), `${c.registry}/${c.repository}`);
  });
}

const INVALID: Array<[input: string, message: string]> = [
  ["", 'invalid reference "": the reference is empty'],
  [":tag", 'invalid reference ":tag": the repository name is missing'],
  [`@${DIGEST}`, `invalid reference "@${DIGEST}": the repository name is missing`],
  ["alpine:", 'invalid reference "alpine:": the tag after ":" is empty'],
  ["alpine@", 'invalid reference "alpine@": the digest after "@" is empty'],
  ["Foo/bar", 'invalid reference "Foo/bar": repository name must be lowercase'],
  ["ghcr.io/Me/app", 'invalid reference "ghcr.io/Me/app": repository name must be lowercase'],
  ["ALPINE", 'invalid reference "ALPINE": repository name must be lowercase'],
  [
    "alpine:-bad",
    'invalid reference "alpine:-bad": invalid tag "-bad": a tag is 1 to 128 letters, digits, ' +
    '"_", "." or "-", not starting with "." or "-"',
  ],
  [
    `x:${"t".repeat(129)}`,
    `invalid reference "x:${"t".repeat(129)}": invalid tag "${"t".repeat(129)}"`,
  ],
  ["alpine:a+b", 'invalid reference "alpine:a+b": invalid tag "a+b"'],
  [
    "alpine@sha256:abc",
    'invalid reference "alpine@sha256:abc": invalid digest "sha256:abc": sha256 needs 64 ' +
    "lowercase hex characters",
  ],
  [
    `alpine@md5:${HEX}`,
    `invalid reference "alpine@md5:${HEX}": invalid digest "md5:${HEX}": unsupported algorithm "md5"`,
  ],
  [`alpine@${DIGEST}@${DIGEST}`, `invalid reference "alpine@${DIGEST}@${DIGEST}": invalid digest`],
  [
    "foo/-bar",
    'invalid reference "foo/-bar": invalid repository name component "-bar": expected ' +
    'lowercase letters and digits, separated by ".", "_", "__" or dashes',
  ],
  ["foo/bar-", 'invalid reference "foo/bar-": invalid repository name component "bar-"'],
  ["foo/a___b", 'invalid reference "foo/a___b": invalid repository name component "a___b"'],
  ["foo/a..b", 'invalid reference "foo/a..b": invalid repository name component "a..b"'],
  ["foo//bar", 'invalid reference "foo//bar": the repository name has an empty path component'],
  ["foo/", 'invalid reference "foo/": the repository name has an empty path component'],
  ["/foo", 'invalid reference "/foo": the repository name has an empty path component'],
  ["gcr.io/", 'invalid reference "gcr.io/": the repository name is missing'],
  ["has space", 'invalid reference "has space": invalid repository name component "has space"'],
  [
    "foo_bar.com/x",
    'invalid reference "foo_bar.com/x": invalid registry "foo_bar.com": expected a host name ' +
    "or [IPv6] address with an optional port, such as ghcr.io or 127.0.0.1:5000",
  ],
  ["-gcr.io/x", 'invalid reference "-gcr.io/x": invalid registry "-gcr.io"'],
  [
    "localhost:99999/x",
    'invalid reference "localhost:99999/x": invalid registry "localhost:99999"',
  ],
  ["localhost:/x", 'invalid reference "localhost:/x": invalid registry "localhost:"'],
  ["[::1/x", 'invalid reference "[::1/x": invalid registry "[::1"'],
  [
    `gcr.io/${"a".repeat(256)}`,
    // The quote is capped at 200 characters (quote_input.ts).
    `invalid reference "gcr.io/${"a".repeat(193)}…" (263 characters): repository must be ` +
    `between 2 and 255 ` +
    `characters in length: ${"a".repeat(256)}`,
  ],
  // ko (go-containerregistry) refuses a one-character repository, with these words.
  [
    "127.0.0.1:5000/x:v1",
    'invalid reference "127.0.0.1:5000/x:v1": repository must be between 2 and 255 ' +
    "characters in length: x",
  ],
  ["x", 'invalid reference "x": repository must be between 2 and 255 characters in length: x'],
];

for (const [input, message] of INVALID) {
  Deno.test(`parseReference rejects ${JSON.stringify(input.slice(0, 60))}`, () => {
    throws(() => parseReference(input), (e: unknown) => {
      equal(e instanceof KoError, true);
      const got = (e as Error).message;
      equal(got.startsWith(message), true, `message ${JSON.stringify(got)}`);
      return true;
    });
  });
}

Deno.test("parseReference accepts a repository of exactly 255 characters after the registry", () => {
  const input = `gcr.io/${"a".repeat(255)}`;
  equal(parseReference(input).repository, "a".repeat(255));
});

Deno.test("parseReference uses defaultRegistry for names without a registry", () => {
  const ref = parseReference("app", { defaultRegistry: "127.0.0.1:5000" });
  deepEqual({ ...ref }, { registry: "127.0.0.1:5000", repository: "app", original: "app" });
  equal(referenceName(ref), "127.0.0.1:5000/app:latest");
  equal(parseReference("app", { defaultRegistry: "docker.io" }).repository, "library/app");
  equal(parseReference("ghcr.io/app", { defaultRegistry: "x.io" }).registry, "ghcr.io");
});

Deno.test("parseReference records the insecure option", () => {
  const ref = parseReference("registry.internal.example/app", { insecure: true });
  equal(ref.insecure, true);
  equal(parseReference("registry.internal.example/app").insecure, undefined);
});

Deno.test("tagOrLatest defaults bare names to latest but not digests", () => {
  equal(tagOrLatest(parseReference("alpine")), "latest");
  equal(tagOrLatest(parseReference("alpine:3")), "3");
  equal(tagOrLatest(parseReference(`alpine@${DIGEST}`)), undefined);
  equal(tagOrLatest(parseReference(`alpine:3@${DIGEST}`)), "3");
  equal(parseReference("alpine").tag, undefined);
});

Deno.test("referenceIdentifier prefers the digest, then the tag, then latest", () => {
  equal(referenceIdentifier(parseReference("alpine")), "latest");
  equal(referenceIdentifier(parseReference("alpine:edge")), "edge");
  equal(referenceIdentifier(parseReference(`alpine:edge@${DIGEST}`)), DIGEST);
});

const REPOSITORIES: Array<[input: string, registry: string, repository: string]> = [
  ["ghcr.io/me", "ghcr.io", "me"],
  ["127.0.0.1:5000/foo", "127.0.0.1:5000", "foo"],
  ["gcr.io", "gcr.io", ""],
  ["localhost", "localhost", ""],
  ["localhost:5000", "localhost:5000", ""],
  ["[::1]:5000", "[::1]:5000", ""],
  ["ko.local", "ko.local", ""],
  ["kind.local", "kind.local", ""],
  ["docker.io", "index.docker.io", ""],
  ["docker.io/me", "index.docker.io", "library/me"],
  ["docker.io/me/team", "index.docker.io", "me/team"],
  ["myuser", "index.docker.io", "library/myuser"],
  ["registry.example.org/foo/bar", "registry.example.org", "foo/bar"],
];

for (const [input, registry, repository] of REPOSITORIES) {
  Deno.test(`parseRepository accepts ${input}`, () => {
    const r = parseRepository(input);
    deepEqual({ ...r }, { registry, repository, original: input });
    equal(repoString(r), repository === "" ? registry : `${registry}/${repository}`);
  });
}

const BAD_REPOSITORIES: Array<[input: string, message: string]> = [
  ["", 'invalid repository "": the repository is empty'],
  ["ghcr.io/me:v1", 'invalid repository "ghcr.io/me:v1": a repository cannot have a tag or digest'],
  [`ghcr.io/me@${DIGEST}`, "a repository cannot have a tag or digest"],
  ["ghcr.io/Me", 'invalid repository "ghcr.io/Me": repository name must be lowercase'],
  ["foo_bar.io", 'invalid repository "foo_bar.io": invalid registry "foo_bar.io"'],
  ["localhost:http", 'invalid repository "localhost:http": invalid registry "localhost:http"'],
  ["gcr.io/", 'invalid repository "gcr.io/": the repository name is missing'],
];

for (const [input, message] of BAD_REPOSITORIES) {
  Deno.test(`parseRepository rejects ${JSON.stringify(input)}`, () => {
    throws(() => parseRepository(input), (e: unknown) => {
      equal(e instanceof KoError, true);
      const got = (e as Error).message;
      equal(got.includes(message), true, `message ${JSON.stringify(got)}`);
      return true;
    });
  });
}

Deno.test("parseRepository passes the insecure option on", () => {
  equal(parseRepository("gcr.io", { insecure: true }).insecure, true);
  equal(parseRepository("gcr.io/xy", { insecure: true }).insecure, true);
  equal(parseRepository("gcr.io/xy").insecure, undefined);
});
