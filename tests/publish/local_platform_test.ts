import { equal, match, rejects } from "node:assert/strict";
import type { Platform } from "../../src/oci/descriptor.ts";
import type { Image, ImageIndex } from "../../src/image/image.ts";
import {
  hostLinuxPlatform,
  loadableImage,
  platformFromGoEnv,
  type WantedPlatform,
} from "../../src/publish/local_platform.ts";
import { setLogSink } from "../../src/util/log.ts";

/** A stand-in image: selection only looks at identity. */
function image(name: string): Image {
  return { kind: "image", digest: `sha256:${name}` } as unknown as Image;
}

function index(platforms: Array<Platform | undefined>): ImageIndex {
  return {
    kind: "index",
    children: platforms.map((platform, i) => ({
      descriptor: {
        mediaType: "m",
        size: 1,
        digest: `sha256:${i}`,
        ...(platform ? { platform } : {}),
      },
      image: image(String(i)),
    })),
  } as unknown as ImageIndex;
}

const want = (platform: Platform, reason = "test"): () => Promise<WantedPlatform> => () =>
  Promise.resolve({ platform, reason });

Deno.test("loadableImage returns a single image as is, without asking for a platform", async () => {
  const img = image("x");
  const result = await loadableImage(img, "ip", () => Promise.reject(new Error("not asked")));
  equal(result, img);
});

Deno.test("loadableImage picks the wanted os/arch child and logs the choice", async () => {
  const lines: string[] = [];
  const restore = setLogSink((l) => lines.push(l));
  try {
    const idx = index([
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
      undefined,
    ]);
    const got = await loadableImage(
      idx,
      "example.com/app",
      want({ os: "linux", architecture: "arm64" }, "the Docker daemon's platform"),
    );
    equal(got.digest, "sha256:1");
    equal(lines.length, 1);
    match(
      lines[0]!,
      /Loading only linux\/arm64 of example\.com\/app \(built: linux\/amd64, linux\/arm64, \?\), chosen by the Docker daemon's platform/,
    );
  } finally {
    restore();
  }
});

Deno.test("loadableImage prefers the wanted variant, else the first os/arch match", async () => {
  const idx = index([
    { os: "linux", architecture: "arm", variant: "v6" },
    { os: "linux", architecture: "arm", variant: "v7" },
  ]);
  const restore = setLogSink(() => {});
  try {
    equal(
      (await loadableImage(idx, "ip", want({ os: "linux", architecture: "arm", variant: "v7" })))
        .digest,
      "sha256:1",
    );
    equal(
      (await loadableImage(idx, "ip", want({ os: "linux", architecture: "arm" }))).digest,
      "sha256:0",
    );
  } finally {
    restore();
  }
});

Deno.test("loadableImage names what was built when nothing matches", async () => {
  const idx = index([{ os: "linux", architecture: "amd64" }, {
    os: "linux",
    architecture: "s390x",
  }]);
  await rejects(
    () =>
      loadableImage(
        idx,
        "example.com/app",
        want({ os: "linux", architecture: "arm64" }, "GOOS/GOARCH"),
      ),
    /^KoError: failed to find linux\/arm64 image in index for image: example\.com\/app \(chosen by GOOS\/GOARCH; built: linux\/amd64, linux\/s390x\): add it to --platform, or build only the platform to load \(such as --platform=linux\/amd64\)$/,
  );
});

Deno.test("platformFromGoEnv follows ko's GOOS/GOARCH defaults", () => {
  equal(platformFromGoEnv({}), undefined);
  equal(platformFromGoEnv({ GOOS: "", GOARCH: "" }), undefined);
  equal(
    JSON.stringify(platformFromGoEnv({ GOARCH: "arm64" })?.platform),
    '{"os":"linux","architecture":"arm64"}',
  );
  equal(
    JSON.stringify(platformFromGoEnv({ GOOS: "windows" })?.platform),
    '{"os":"windows","architecture":"amd64"}',
  );
  equal(platformFromGoEnv({ GOARCH: "arm", GOARM: "7" })?.platform.variant, "v7");
  equal(platformFromGoEnv({ GOARCH: "arm" })?.reason, "GOOS/GOARCH");
});

Deno.test("hostLinuxPlatform maps this machine's CPU to a Go architecture", () => {
  const p = hostLinuxPlatform();
  equal(p.os, "linux");
  equal(
    p.architecture,
    ({ x86_64: "amd64", aarch64: "arm64" } as Record<string, string>)[Deno.build.arch],
  );
});
