/**
 * `linux_capabilities` end to end: `.ko.yaml` builds with file capabilities, pushed to a real
 * registry, the binary layer checked for the `security.capability` PAX record, and the images
 * run as a non-root user in a real Docker Engine — as ko's own integration test does, with
 * more cases: the capability is permitted (and, with `+ep`, effective: binding port 80 works)
 * only when configured, and never beyond the container's bounding set.
 */
import { equal, match, ok } from "node:assert/strict";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { startRegistry } from "../helpers/registry_server.ts";
import { registryFetch } from "../helpers/registry_http.ts";
import { pushFixtureBases } from "../helpers/fixtures.ts";
import { tempDir } from "../helpers/tools.ts";
import { ko } from "../helpers/ko_cli.ts";
import { writeGoApp } from "../helpers/go_app.ts";
import { dockerUnavailableReason, startDockerEngine } from "../helpers/docker_engine.ts";
import { requires } from "../helpers/requires.ts";
import { readTar } from "../helpers/tar_reader.ts";

/** Prints its permitted and effective capability sets, then tries to bind port 80. */
const CAPS_MAIN = `package main

import (
	"fmt"
	"net"
	"os"
	"strings"
)

func main() {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	for _, line := range strings.Split(string(data), "\\n") {
		if strings.HasPrefix(line, "CapPrm:") || strings.HasPrefix(line, "CapEff:") {
			fmt.Println(strings.Join(strings.Fields(line), " "))
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:80")
	if err != nil {
		fmt.Println("bind: denied")
		return
	}
	l.Close()
	fmt.Println("bind: ok")
}
`;

const NET_BIND_SERVICE = 1 << 10;
const CHOWN = 1 << 0;

/** The `security.capability` value (vfs_cap_data v2) for a permitted mask and effective flag. */
function xattr(permitted: number, effective: boolean): string {
  const b = new Uint8Array(20);
  const v = new DataView(b.buffer);
  v.setUint32(0, 0x02000000 | (effective ? 1 : 0), true);
  v.setUint32(4, permitted, true);
  return String.fromCharCode(...b);
}

Deno.test("linux_capabilities end to end", async (t) => {
  await using registry = await startRegistry();
  await using tmp = await tempDir();
  const bases = await pushFixtureBases(registry);
  const apps = ["nocaps", "permitted", "effective", "two"];
  const src = await writeGoApp(join(tmp.path, "src"), {
    module: "example.com/caps",
    files: {
      ...Object.fromEntries(apps.map((a) => [`cmd/${a}/main.go`, CAPS_MAIN])),
      ".ko.yaml": [
        "builds:",
        "- id: permitted",
        "  main: ./cmd/permitted",
        "  linux_capabilities: [net_bind_service]",
        "- id: effective",
        "  main: ./cmd/effective",
        "  linux_capabilities: [cap_net_bind_service+ep]",
        "- id: two", // one string, split on spaces, as in ko's own test config
        "  main: ./cmd/two",
        "  linux_capabilities: net_bind_service chown",
        "",
      ].join("\n"),
    },
  });
  const cache = join(tmp.path, "cache");
  const env = {
    KO_DOCKER_REPO: `${registry.host}/caps`,
    KO_DEFAULTBASEIMAGE: bases.ociImage.ref,
    KOCACHE: cache,
  };
  const refs: Record<string, string> = {};

  await t.step("the binary layer carries the capability xattr; the cache is bypassed", async () => {
    for (const app of apps) {
      const r = await ko(["build", "--sbom=none", "-B", `./cmd/${app}`], { cwd: src, env });
      equal(r.code, 0, r.stderr);
      refs[app] = r.stdout.trim();
      equal(
        r.stderr.includes("Some options prevent us from using layer cache"),
        app !== "nocaps",
        app,
      );
      const layersDir = join(cache, "bin", `example.com/caps/cmd/${app}`, "linux/amd64/layers");
      const cached = await Array.fromAsync(Deno.readDir(layersDir)).catch(() => []);
      equal(cached.length > 0, app === "nocaps", `${app}: cached layer entries`);

      const [name, digest] = refs[app]!.split("@") as [string, string];
      const repo = name.slice(registry.host.length + 1);
      const manifest = await (await registryFetch(registry, `/v2/${repo}/manifests/${digest}`, {
        headers: { accept: "application/vnd.oci.image.manifest.v1+json" },
      })).json();
      const binary = manifest.layers.at(-1).digest;
      const blob = new Uint8Array(
        await (await registryFetch(registry, `/v2/${repo}/blobs/${binary}`)).arrayBuffer(),
      );
      const entry = readTar(new Uint8Array(gunzipSync(blob))).find((m) =>
        m.name === `/ko-app/${app}`
      )!;
      const expected = {
        nocaps: undefined,
        permitted: xattr(NET_BIND_SERVICE, false),
        effective: xattr(NET_BIND_SERVICE, true),
        two: xattr(NET_BIND_SERVICE | CHOWN, false),
      }[app];
      equal(entry.pax["SCHILY.xattr.security.capability"], expected, app);
    }
  });

  await t.step("a bad capability fails the build with the term quoted", async () => {
    const bad = await writeGoApp(join(tmp.path, "bad"), {
      module: "example.com/bad",
      files: {
        "main.go": CAPS_MAIN,
        ".ko.yaml": "builds:\n- id: x\n  main: .\n  linux_capabilities: [net_bind_servic]\n",
      },
    });
    const r = await ko(["build", "--sbom=none", "."], { cwd: bad, env });
    equal(r.code, 1);
    match(r.stderr, /linux_capabilities: unknown capability "net_bind_servic"/);
  });

  await t.step({
    ...requires(
      "in Docker, as user 65532: permitted and effective only as configured",
      dockerUnavailableReason(),
    ),
    fn: async () => {
      await using docker = await startDockerEngine();
      const run = async (app: string, ...flags: string[]) => {
        const res = await docker.docker([
          "run",
          "--rm",
          "--network",
          "none",
          "--user",
          "65532",
          // Docker lets anyone bind low ports by default; restore the kernel's rule.
          "--sysctl",
          "net.ipv4.ip_unprivileged_port_start=1024",
          ...flags,
          refs[app]!,
        ]);
        return res;
      };
      const caps = (prm: number, eff: number, bind: string) =>
        `CapPrm: ${prm.toString(16).padStart(16, "0")}\nCapEff: ${
          eff.toString(16).padStart(16, "0")
        }\nbind: ${bind}\n`;

      // Without file capabilities, --cap-add has no effect on a non-root user (ko's check).
      const plain = await run("nocaps", "--cap-add=NET_BIND_SERVICE");
      equal(plain.code, 0, plain.stderr);
      equal(plain.stdout, caps(0, 0, "denied"));
      // Permitted only: the capability is there but not effective, so the bind fails.
      const permitted = await run("permitted", "--cap-add=NET_BIND_SERVICE");
      equal(permitted.stdout, caps(NET_BIND_SERVICE, 0, "denied"));
      // +ep: effective at exec, so a non-root process binds port 80.
      const effective = await run("effective");
      equal(effective.code, 0, effective.stderr);
      equal(effective.stdout, caps(NET_BIND_SERVICE, NET_BIND_SERVICE, "ok"));
      const onlyIt = await run("effective", "--cap-drop=ALL", "--cap-add=NET_BIND_SERVICE");
      equal(onlyIt.stdout, caps(NET_BIND_SERVICE, NET_BIND_SERVICE, "ok"));
      // Two names from one string: both permitted.
      const two = await run("two");
      equal(two.stdout, caps(NET_BIND_SERVICE | CHOWN, 0, "denied"));
      // Outside the bounding set: a permitted-only file just gets nothing; an effective one is
      // refused by the kernel at exec (it would not get the capability it expects).
      const dropped = await run("permitted", "--cap-drop=NET_BIND_SERVICE");
      equal(dropped.stdout, caps(0, 0, "denied"));
      const refused = await run("effective", "--cap-drop=ALL");
      ok(refused.code !== 0, refused.stdout);
      match(refused.stderr, /operation not permitted/);
    },
  });
});
