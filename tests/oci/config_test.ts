import { deepEqual, equal, notEqual, throws } from "node:assert/strict";
import { KoError } from "../../src/util/errors.ts";
import {
  cloneConfig,
  type ConfigFile,
  parseConfig,
  serializeConfig,
} from "../../src/oci/config.ts";
import { goReencode } from "./go_oracle.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const roundTrip = (doc: string) => text(serializeConfig(parseConfig(doc)));

/** A base config in ggcr's order, shaped like a distroless/chainguard static image. */
const STATIC_BASE = '{"architecture":"amd64","author":"github.com/chainguard-dev/apko",' +
  '"created":"2024-03-01T00:00:00Z","history":[{"author":"apko","created":' +
  '"2024-03-01T00:00:00Z","created_by":"apko","comment":"This is an apko single-layer image"}],' +
  '"os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:' + "1".repeat(64) + '"]},' +
  '"config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",' +
  '"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"],"User":"65532","WorkingDir":"/"}}';

/** A Docker-built config: unknown fields (container_config, moby keys), volumes, ports. */
const DOCKER_BUILT = JSON.stringify({
  architecture: "arm64",
  variant: "v8",
  config: {
    Hostname: "",
    Env: ["PATH=/bin"],
    Cmd: ["/bin/sh"],
    ArgsEscaped: true,
    Image: "sha256:" + "2".repeat(64),
    Volumes: { "/data": {}, "/a": {} },
    WorkingDir: "",
    Entrypoint: null,
    OnBuild: null,
    Labels: { "z": "last", "org.opencontainers.image.source": "https://x/<y>&z" },
    ExposedPorts: { "8080/tcp": {}, "443/tcp": {} },
    StopSignal: "SIGTERM",
    Healthcheck: { Test: ["CMD-SHELL", "true"], Interval: 30000000000, Retries: 3 },
  },
  container: "abc",
  container_config: { Cmd: ["/bin/sh", "-c", "#(nop) CMD"] },
  created: "2024-06-01T12:34:56.789000000Z",
  docker_version: "24.0.7",
  history: [
    { created: "2024-06-01T12:34:56.1Z", created_by: "/bin/sh -c #(nop) ADD file:x in / " },
    { created: "2024-06-01T12:34:56.2+02:00", created_by: "CMD", empty_layer: true },
  ],
  os: "linux",
  rootfs: { type: "layers", diff_ids: ["sha256:" + "3".repeat(64)] },
  moby: { ignored: true },
});

Deno.test("a config in ggcr's order survives a parse and serialise round trip unchanged", () => {
  equal(roundTrip(STATIC_BASE), STATIC_BASE);
});

Deno.test("serializeConfig writes ggcr's field order whatever the object order", () => {
  const c = {
    "os.features": ["win32k"],
    variant: "v7",
    "os.version": "10.0.1",
    config: { User: "1", Env: ["A=1"], Entrypoint: ["/x"], Cmd: ["y"] },
    rootfs: { diff_ids: [], type: "layers" },
    os: "linux",
    history: [{ empty_layer: true, comment: "c", created_by: "b", created: "", author: "a" }],
    docker_version: "1",
    created: "2024-01-01T00:00:00Z",
    container: "k",
    author: "me",
    architecture: "arm",
  } as ConfigFile;
  equal(
    text(serializeConfig(c)),
    '{"architecture":"arm","author":"me","container":"k","created":"2024-01-01T00:00:00Z",' +
      '"docker_version":"1","history":[{"author":"a","created":"0001-01-01T00:00:00Z",' +
      '"created_by":"b","comment":"c","empty_layer":true}],"os":"linux","rootfs":{"type":' +
      '"layers","diff_ids":[]},"config":{"Cmd":["y"],"Entrypoint":["/x"],"Env":["A=1"],' +
      '"User":"1"},"os.version":"10.0.1","variant":"v7","os.features":["win32k"]}',
  );
});

Deno.test("parseConfig drops unknown fields, at the top and nested", () => {
  const out = roundTrip(DOCKER_BUILT);
  for (const gone of ["container_config", "moby", '"Hostname"', '"OnBuild"', "ignored"]) {
    equal(out.includes(gone), false, gone);
  }
  equal(out.includes('"container":"abc"'), true);
});

Deno.test("serializeConfig always writes created, the zero time when unset", () => {
  const c = parseConfig(
    '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers",' +
      '"diff_ids":[]},"config":{},"history":[{"created_by":"x"}]}',
  );
  equal(c.created, undefined);
  equal(
    text(serializeConfig(c)),
    '{"architecture":"amd64","created":"0001-01-01T00:00:00Z","history":[{"created":' +
      '"0001-01-01T00:00:00Z","created_by":"x"}],"os":"linux","rootfs":{"type":"layers",' +
      '"diff_ids":[]},"config":{}}',
  );
});

Deno.test("serializeConfig normalises created like a Go time round trip", () => {
  const c = parseConfig(DOCKER_BUILT);
  const out = text(serializeConfig(c));
  equal(out.includes('"created":"2024-06-01T12:34:56.789Z"'), true);
  equal(out.includes('"created":"2024-06-01T12:34:56.2+02:00"'), true);
});

Deno.test("parseConfig matches keys case-insensitively like Go's decoder", () => {
  const c = parseConfig(JSON.stringify({
    Architecture: "amd64",
    OS: "linux",
    RootFS: { Type: "layers", DIFF_IDS: ["sha256:" + "4".repeat(64)] },
    Config: { env: ["A=1"], user: "nobody", LABELS: { a: "b" }, healthcheck: { test: ["x"] } },
    History: [{ Created_By: "step", Empty_Layer: true }],
    "OS.Version": "1.2",
  }));
  deepEqual(c, {
    architecture: "amd64",
    os: "linux",
    rootfs: { type: "layers", diff_ids: ["sha256:" + "4".repeat(64)] },
    config: { Env: ["A=1"], User: "nobody", Labels: { a: "b" }, Healthcheck: { Test: ["x"] } },
    history: [{ created_by: "step", empty_layer: true }],
    "os.version": "1.2",
  });
});

Deno.test("parseConfig lets the later of two keys for one field win, as Go does", () => {
  equal(parseConfig('{"config":{"Env":["a"],"env":["b"]}}').config.Env?.[0], "b");
  equal(parseConfig('{"config":{"env":["b"],"Env":["a"]}}').config.Env?.[0], "a");
});

Deno.test("parseConfig fills the fields every config needs", () => {
  deepEqual(parseConfig("{}"), {
    architecture: "",
    os: "",
    rootfs: { type: "layers", diff_ids: [] },
    config: {},
  });
  deepEqual(parseConfig('{"rootfs":{"type":"layers"},"config":null}').rootfs, {
    type: "layers",
    diff_ids: [],
  });
  deepEqual(parseConfig('{"config":null}').config, {});
});

Deno.test("parseConfig treats a null history entry as an empty one", () => {
  equal(
    roundTrip('{"history":[null],"rootfs":{"type":"layers","diff_ids":[]}}'),
    '{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":' +
      '"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":[]},"config":{}}',
  );
});

const BAD_TYPES: Array<[doc: string, message: string]> = [
  ['{"config":{"Env":"PATH=/bin"}}', 'image config: field "config.Env" must be a list of strings'],
  ['{"config":{"Env":["a",1]}}', 'image config: field "config.Env" must be a list of strings'],
  [
    '{"config":{"Labels":{"a":1}}}',
    'image config: field "config.Labels" must be an object of strings',
  ],
  ['{"config":{"Labels":[]}}', 'image config: field "config.Labels" must be an object of strings'],
  ['{"config":{"Volumes":["/data"]}}', 'image config: field "config.Volumes" must be an object'],
  ['{"config":{"Tty":"yes"}}', 'image config: field "config.Tty" must be true or false'],
  ['{"config":{"User":65532}}', 'image config: field "config.User" must be a string'],
  [
    '{"config":{"Healthcheck":{"Retries":1.5}}}',
    'image config: field "config.Healthcheck.Retries" must be an integer',
  ],
  ['{"config":[]}', 'image config: field "config" must be an object'],
  ['{"rootfs":"layers"}', 'image config: field "rootfs" must be an object'],
  ['{"history":{}}', 'image config: field "history" must be a list'],
  ['{"history":[1]}', 'image config: field "history[0]" must be an object'],
  ['{"history":[{},{"empty_layer":"true"}]}', 'image config: field "history[1].empty_layer"'],
  ['{"architecture":["amd64"]}', 'image config: field "architecture" must be a string'],
  ['{"created":1700000000}', 'image config: field "created" must be a string'],
];

for (const [doc, message] of BAD_TYPES) {
  Deno.test(`parseConfig rejects the wrong type in ${doc}`, () => {
    throws(() => parseConfig(doc), (e: unknown) => {
      equal(e instanceof KoError, true);
      equal((e as Error).message.startsWith(message), true, (e as Error).message);
      return true;
    });
  });
}

Deno.test("parseConfig errors name what was being read", () => {
  throws(
    () => parseConfig("{", "config of alpine"),
    /^KoError: config of alpine is not valid JSON/,
  );
  throws(() => parseConfig("[]"), { message: "image config is not a JSON object" });
  throws(() => parseConfig('{"os":1}', "base config"), {
    message: 'base config: field "os" must be a string',
  });
});

Deno.test("cloneConfig copies deeply", () => {
  const a = parseConfig(DOCKER_BUILT);
  const b = cloneConfig(a);
  deepEqual(b, a);
  b.config.Env!.push("B=2");
  b.rootfs.diff_ids.push("sha256:" + "5".repeat(64));
  notEqual(a.config.Env!.length, b.config.Env!.length);
  equal(a.rootfs.diff_ids.length, 1);
});

Deno.test("config serialisation matches Go's encoding/json byte for byte", async () => {
  const docs = [
    STATIC_BASE,
    DOCKER_BUILT,
    // Case-insensitive keys, duplicates resolved by order, HTML-unsafe and non-ASCII text,
    // map keys that sort differently in UTF-16 and UTF-8.
    '{"Architecture":"s390x","OS":"linux","RootFS":{"Type":"layers","diff_ids":[]},' +
    '"config":{"env":["X=<&>"],"Env":["Y=\\u2028é"],"Shell":["pwsh"],"macaddress":"m",' +
    '"NetworkDisabled":true,"Tty":false,"Labels":{"\\ud800\\udc00":"a","\\uffff":"b","z":"c"}},' +
    '"history":[null,{"comment":"ü"}],' +
    '"created":"2023-01-01T00:00:00.000000001Z"}',
    // Windows base with os.version and features.
    '{"architecture":"amd64","os":"windows","os.version":"10.0.20348.2227",' +
    '"os.features":["win32k"],"rootfs":{"type":"layers","diff_ids":[]},"config":{' +
    '"Entrypoint":["C:\\\\ko-app\\\\app.exe"],"Env":["PATH=C:\\\\Windows"]}}',
  ];
  const ours = docs.map(roundTrip);
  const go = await goReencode(docs.map((doc) => ({ kind: "config" as const, doc })));
  deepEqual(ours, go);
});

Deno.test("Go rejects the same wrongly typed configs parseConfig rejects", async () => {
  const docs = BAD_TYPES.map(([doc]) => doc);
  const go = await goReencode(docs.map((doc) => ({ kind: "config" as const, doc })));
  for (let i = 0; i < docs.length; i++) {
    equal(go[i]!.startsWith("ERROR: "), true, `Go accepted ${docs[i]}: ${go[i]}`);
  }
});
