/**
 * Build info read from the binary itself against the real `go version -m`, byte for byte, on
 * real Go binaries: ELF for amd64, arm64 and arm (32-bit), PE for windows; with and without
 * dependencies and replacements, -trimpath, and -ldflags with -X values that Go quotes. Then
 * the cases that must fall back to the go command, and formatBuildInfo against Go's own
 * BuildInfo.String().
 */
import { deepEqual, equal, rejects } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { readRawBuildInfo } from "../../src/go/binary_build_info.ts";
import {
  goVersionMFromBinary,
  readBuildInfo,
  runGoVersionM,
} from "../../src/go/read_build_info.ts";
import { parseBuildInfo } from "../../src/go/build_info.ts";
import { formatBuildInfo, goQuoteAscii } from "../../src/go/build_info_format.ts";
import { KoError } from "../../src/util/errors.ts";
import { goCheck } from "./gocheck.ts";

const APP_DIR = fileURLToPath(new URL("../testdata/sbom/app", import.meta.url));
const PROXY_DIR = fileURLToPath(new URL("../testdata/sbom/proxy", import.meta.url));

interface Variant {
  name: string;
  /** The fixture app (dependencies, replacements, a go.sum hash) or a one-file program. */
  app: "fixture" | "tiny";
  env: Record<string, string>;
  args: string[];
}

const VARIANTS: Variant[] = [
  {
    name: "fixture app, linux/amd64, -trimpath",
    app: "fixture",
    env: { GOOS: "linux", GOARCH: "amd64" },
    args: ["-trimpath"],
  },
  {
    name: "fixture app, linux/arm64, stripped",
    app: "fixture",
    env: { GOOS: "linux", GOARCH: "arm64" },
    args: ["-trimpath", "-ldflags=-s -w"],
  },
  {
    // Without -trimpath, Go records -ldflags (and quotes it here).
    name: "one-file program, linux/arm/v7 (ELF32), -ldflags with -X values Go quotes",
    app: "tiny",
    env: { GOOS: "linux", GOARCH: "arm", GOARM: "7" },
    args: ["-ldflags=-X 'main.version=1.2 3' -X main.q=a\"b\\c"],
  },
  {
    name: "one-file program, windows/amd64 (PE), -trimpath",
    app: "tiny",
    env: { GOOS: "windows", GOARCH: "amd64" },
    args: ["-trimpath"],
  },
];

/** Builds a variant into `dir` and returns the binary's path. */
async function build(v: Variant, dir: string): Promise<string> {
  let cwd = APP_DIR;
  if (v.app === "tiny") {
    cwd = `${dir}/tiny`;
    await Deno.mkdir(cwd, { recursive: true });
    await Deno.writeTextFile(`${cwd}/go.mod`, "module example.com/tiny\n\ngo 1.22\n");
    await Deno.writeTextFile(`${cwd}/main.go`, 'package main\n\nfunc main() { println("hi") }\n');
  }
  const binary = `${dir}/${v.name.replace(/\W+/g, "-")}`;
  const out = await new Deno.Command("go", {
    args: ["build", "-buildvcs=false", ...v.args, "-o", binary, "."],
    cwd,
    env: {
      CGO_ENABLED: "0",
      GOPROXY: `file://${PROXY_DIR}`,
      GOSUMDB: "off",
      GOFLAGS: "-mod=readonly -modcacherw",
      GOWORK: "off",
      GOTOOLCHAIN: "local",
      GOMODCACHE: `${dir}/modcache`,
      ...v.env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`go build ${v.name}: ${new TextDecoder().decode(out.stderr)}`);
  return binary;
}

/** What the real `go version -m` prints for a file. */
async function realGoVersionM(binary: string): Promise<string> {
  const out = await new Deno.Command("go", { args: ["version", "-m", binary] }).output();
  equal(out.success, true, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

Deno.test("build info read from real binaries equals go version -m byte for byte", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "ko-buildinfo-" });
  try {
    for (const v of VARIANTS) {
      await t.step(v.name, async () => {
        const binary = await build(v, dir);
        const real = await realGoVersionM(binary);
        equal(await goVersionMFromBinary(binary, binary), real);
        // And as the SBOM code sees it: the text with /ko-app/<name> for the file name.
        const viaGo = await runGoVersionM(binary, "/ko-app/app");
        equal((await readBuildInfo(binary, "/ko-app/app")).text, viaGo);
      });
    }
    await t.step("the quoted -X values really are quoted by Go", async () => {
      const text = await realGoVersionM(`${dir}/${VARIANTS[2]!.name.replace(/\W+/g, "-")}`);
      equal(
        text.includes(`build\t-ldflags="-X 'main.version=1.2 3' -X main.q=a\\"b\\\\c"\n`),
        true,
        text,
      );
    });
    await t.step("readBuildInfo needs no go command for an ordinary binary", async () => {
      const binary = `${dir}/${VARIANTS[0]!.name.replace(/\W+/g, "-")}`;
      const info = await readBuildInfo(binary, "/ko-app/app", { go: "/nonexistent/go" });
      equal(info.path, "example.com/sbomtest/App");
    });
    await t.step("a non-Go file falls back to the go command and its error", async () => {
      const script = `${dir}/script.sh`;
      await Deno.writeTextFile(script, "#!/bin/sh\necho hi\n");
      equal(await readRawBuildInfo(script), undefined);
      equal(await goVersionMFromBinary(script, "/ko-app/x"), undefined);
      await rejects(
        readBuildInfo(script, "/ko-app/x", { go: "/nonexistent/go" }),
        (e: unknown) => e instanceof KoError && /"\/nonexistent\/go" not found/.test(e.message),
      );
    });
    await t.step("the pre-1.18 layout (no inline strings) falls back", async () => {
      const copy = await tampered(dir, (bytes, magic) => {
        bytes[magic + 15]! &= ~0x2; // flags: version strings behind pointers
      });
      equal(await readRawBuildInfo(copy), undefined);
    });
    await t.step("module info go version -m cannot parse falls back", async () => {
      const copy = await tampered(dir, (bytes, magic) => {
        // "build\tCGO_ENABLED=0" → "build\tCGO_ENABLED 0": a build line without '='.
        const text = new TextDecoder("latin1").decode(bytes.subarray(magic));
        const at = magic + text.indexOf("CGO_ENABLED=0") + "CGO_ENABLED".length;
        bytes[at] = 0x20;
      });
      equal(typeof (await readRawBuildInfo(copy))?.modInfo, "string");
      equal(await goVersionMFromBinary(copy, copy), undefined);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A copy of the first variant's binary changed by `edit` (given the build info's offset). */
async function tampered(
  dir: string,
  edit: (bytes: Uint8Array, magic: number) => void,
): Promise<string> {
  const bytes = await Deno.readFile(`${dir}/${VARIANTS[0]!.name.replace(/\W+/g, "-")}`);
  const magic = new TextDecoder("latin1").decode(bytes).indexOf("\xff Go buildinf:");
  equal(magic > 0, true);
  edit(bytes, magic);
  const copy = `${dir}/tampered-${crypto.randomUUID()}`;
  await Deno.writeFile(copy, bytes);
  return copy;
}

Deno.test("formatBuildInfo prints what Go's BuildInfo.String() prints", async () => {
  const texts = [
    "path\tx\nmod\tx\t(devel)\t\n",
    "path\tx\nmod\tx\t(devel)\t\ndep\ta\tv1.0.0\th1:abc=\ndep\tb\tv1.0.0\n=>\t./b\t(devel)\t\n",
    "mod\tx\tv1\n", // two columns: Go adds the empty sum's tab
    'build\t-ldflags="-s -w"\nbuild\tCGO_ENABLED=0\n',
    'build\t"we ird"="a\\tb\\x01\\\\\\"c"\nbuild\tk=\n',
    "build\tk=`raw value`\n",
    "go\tgo1.2\npath\tx\n", // the go line is not printed
    "dep\ta\tv1\nmod\tx\tv2\t\npath\ty\nweird line\n", // printed in Go's order
    "",
  ];
  const fromGo: string[] = JSON.parse(await goCheck("string", JSON.stringify(texts)));
  deepEqual(texts.map((t) => formatBuildInfo(parseBuildInfo(t))), fromGo);
});

Deno.test("formatBuildInfo leaves non-ASCII text that needs quoting to the go command", () => {
  equal(formatBuildInfo(parseBuildInfo('build\tk="é x"\n')), undefined);
  equal(formatBuildInfo(parseBuildInfo("build\tk=é\n")), "build\tk=é\n");
  equal(goQuoteAscii('a"\\\x7f\x1b\n'), '"a\\"\\\\\\x7f\\x1b\\n"');
});
