/**
 * Go's archive/tar as a test oracle: runs tests/testdata/gotar/main.go once (`go run`, standard
 * library only) for a whole list of archives and returns each archive's bytes.
 */
import type { TarHeader } from "../../src/layer/tar.ts";

/** One archive for the oracle: entries with their contents. */
export interface GoArchive {
  name: string;
  /** Write only the first entry's header (for sizes too large to write). */
  headerOnly?: boolean;
  entries: ReadonlyArray<{ header: TarHeader; content?: Uint8Array }>;
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const utf8 = new TextEncoder();

/** The bytes Go writes for each archive, by name. */
export async function goTarArchives(
  archives: readonly GoArchive[],
): Promise<Map<string, Uint8Array>> {
  const input = archives.map((a) => ({
    name: a.name,
    headerOnly: a.headerOnly ?? false,
    entries: a.entries.map(({ header: h, content }) => ({
      name: h.name,
      type: h.type,
      mode: h.mode,
      uid: h.uid ?? 0,
      gid: h.gid ?? 0,
      uname: h.uname ?? "",
      gname: h.gname ?? "",
      mtime: h.mtime ?? 0,
      size: h.size ?? 0,
      content: b64(content ?? new Uint8Array()),
      pax: Object.fromEntries(
        Object.entries(h.paxRecords ?? {}).map((
          [k, v],
        ) => [k, b64(typeof v === "string" ? utf8.encode(v) : v)]),
      ),
    })),
  }));
  const dir = await Deno.makeTempDir({ prefix: "ko-gotar-" });
  try {
    const src = new URL("../testdata/gotar/main.go", import.meta.url).pathname;
    const child = new Deno.Command("go", {
      args: ["run", src],
      cwd: dir,
      env: { GOWORK: "off", GOFLAGS: "-buildvcs=false" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(utf8.encode(JSON.stringify(input)));
    await writer.close();
    const r = await child.output();
    if (!r.success) throw new Error(`gotar failed: ${new TextDecoder().decode(r.stderr)}`);
    const out = JSON.parse(new TextDecoder().decode(r.stdout)) as Record<string, string>;
    return new Map(
      Object.entries(out).map(([k, v]) => [k, Uint8Array.from(atob(v), (c) => c.charCodeAt(0))]),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
