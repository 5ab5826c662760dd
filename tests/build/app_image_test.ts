import { deepEqual, equal } from "node:assert/strict";
import { appendToPath, appImage, appName, binaryEntries } from "../../src/build/app_image.ts";
import { scratchImage } from "../../src/image/scratch.ts";
import { mutateImage } from "../../src/image/mutate.ts";
import { layerFromBytes } from "../../src/layer/layer.ts";
import { MediaType } from "../../src/oci/media_types.ts";
import { sha256Digest } from "../../src/oci/digest.ts";
import { WINDOWS_RAWSD } from "../../src/build/windows.ts";

const layer = (s: string) =>
  layerFromBytes(new TextEncoder().encode(s), MediaType.OciLayerGzip, sha256Digest(s + "-tar"));

Deno.test("appName is the last element of the import path, ko-app when there is none", () => {
  equal(appName("github.com/google/ko"), "ko");
  equal(appName("github.com/google/ko/test"), "test");
  equal(appName("."), "ko-app");
  equal(appName("/"), "ko-app");
});

Deno.test("appendToPath extends the first well-formed PATH or adds one", () => {
  deepEqual(appendToPath(["A=1", "PATH=/bin", "PATH=/x"], "/ko-app"), [
    "A=1",
    "PATH=/bin:/ko-app",
    "PATH=/x",
  ]);
  deepEqual(appendToPath(["PATH", "B=2"], "/ko-app"), ["PATH", "B=2", "PATH=/ko-app"]);
  deepEqual(appendToPath([], "C:\\ko-app"), ["PATH=C:\\ko-app"]);
});

Deno.test("binaryEntries lays out Linux and Windows binaries as ko does", () => {
  deepEqual(binaryEntries("app", "/tmp/out", "linux"), [
    { type: "dir", name: "ko-app", mode: 0o555 },
    { type: "file", name: "/ko-app/app", mode: 0o555, path: "/tmp/out" },
  ]);
  const caps = new Uint8Array([1, 2]);
  deepEqual(binaryEntries("app", "/tmp/out", "linux", caps)[1]!.paxRecords, {
    "SCHILY.xattr.security.capability": caps,
  });
  const win = binaryEntries("app", "/tmp/out", "windows");
  deepEqual(win.map((e) => e.name), ["Hives", "Files", "Files/ko-app", "Files/ko-app/app"]);
  deepEqual(win[3]!.paxRecords, { "MSWINDOWS.rawsd": WINDOWS_RAWSD });
});

Deno.test("appImage points the config at the binary and keeps the base's settings", async () => {
  const base = mutateImage(scratchImage(), {
    editConfig: (c) => {
      c.config = {
        Env: ["PATH=/usr/bin", "X=1"],
        Cmd: ["sh"],
        User: "65532",
        WorkingDir: "/",
        Labels: { a: "base", b: "base" },
      };
    },
  });
  const img = appImage(base, { kodata: await layer("k"), binary: await layer("b") }, {
    importPath: "example.com/app/cmd/hello",
    os: "linux",
    created: "2023-11-14T22:13:21Z",
    labels: { b: "flag", c: "flag" },
    user: "1234:1234",
    annotations: { fizz: "buzz" },
  });
  const c = img.config;
  deepEqual(c.config.Entrypoint, ["/ko-app/hello"]);
  equal(c.config.Cmd, undefined);
  deepEqual(c.config.Env, ["PATH=/usr/bin:/ko-app", "X=1", "KO_DATA_PATH=/var/run/ko"]);
  equal(c.config.User, "1234:1234");
  equal(c.config.WorkingDir, "/");
  deepEqual(c.config.Labels, { a: "base", b: "flag", c: "flag" });
  equal(c.author, "github.com/ko-build/ko");
  equal(c.created, "2023-11-14T22:13:21Z");
  deepEqual(c.history!.map((h) => [h.author, h.created, h.created_by, h.comment]), [
    [
      "ko",
      "0001-01-01T00:00:00Z",
      "ko build ko://example.com/app/cmd/hello",
      "kodata contents, at $KO_DATA_PATH",
    ],
    [
      "ko",
      "2023-11-14T22:13:21Z",
      "ko build ko://example.com/app/cmd/hello",
      "go build output, at /ko-app/hello",
    ],
  ]);
  equal(c.rootfs.diff_ids.length, 2);
  equal(img.layers.length, 2);
  deepEqual(img.manifest.annotations, { fizz: "buzz" });
});

Deno.test("appImage on Windows uses C:\\ paths", async () => {
  const img = appImage(scratchImage({ os: "windows", architecture: "amd64" }), {
    kodata: await layer("k"),
    binary: await layer("b"),
  }, { importPath: "example.com/app", os: "windows" });
  deepEqual(img.config.config.Entrypoint, ["C:\\ko-app\\app"]);
  deepEqual(img.config.config.Env, ["PATH=C:\\ko-app", "KO_DATA_PATH=C:\\var\\run\\ko"]);
});

Deno.test("appImage with Delve adds its layer third and runs the app under it (--debug)", async () => {
  const img = appImage(scratchImage(), {
    kodata: await layer("k"),
    binary: await layer("b"),
    delve: await layer("d"),
  }, { importPath: "example.com/app/cmd/hello", os: "linux", created: "2023-11-14T22:13:21Z" });
  const c = img.config;
  deepEqual(c.config.Entrypoint, [
    "/ko-app/dlv",
    "exec",
    "--listen=:40000",
    "--headless",
    "--log",
    "--accept-multiclient",
    "--api-version=2",
    "--",
    "/ko-app/hello",
  ]);
  deepEqual(c.history!.map((h) => [h.created, h.comment]), [
    ["0001-01-01T00:00:00Z", "kodata contents, at $KO_DATA_PATH"],
    ["2023-11-14T22:13:21Z", "go build output, at /ko-app/hello"],
    ["2023-11-14T22:13:21Z", "Delve debugger, at /ko-app/dlv"],
  ]);
  deepEqual(img.layers.map((l) => l.diffId), [
    sha256Digest("k-tar"),
    sha256Digest("b-tar"),
    sha256Digest("d-tar"),
  ]);
});
