/**
 * A static file server on loopback, as a user's web host would serve a copy of ko: files of a
 * directory by path, `.ts` as `application/typescript` (the type Deno expects; Python's
 * http.server says `video/mp2t`, which Deno refuses), 404 for anything missing. It records
 * every path asked for, so a test can see which modules a run loaded.
 *
 * @example
 * ```ts
 * await using server = serveDirectory(root);
 * await run(Deno.execPath(), ["run", "-A", `${server.url}main.ts`, "version"]);
 * ```
 */
import { join, normalize } from "node:path";

/** A running file server. */
export interface FileServer extends AsyncDisposable {
  /** `http://127.0.0.1:PORT/`, the served directory's URL (with the trailing slash). */
  url: string;
  /** Every path requested so far (`/main.ts`…), in order. */
  requests: string[];
  stop(): Promise<void>;
}

const TYPES: Record<string, string> = {
  ".ts": "application/typescript",
  ".js": "application/javascript",
  ".json": "application/json",
};

/** Serves `dir` on 127.0.0.1 (a free port) until `stop()`. */
export function serveDirectory(dir: string): FileServer {
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    requests.push(path);
    const rel = normalize(path).replace(/^\/+/, "");
    if (rel.startsWith("..")) return new Response("forbidden\n", { status: 403 });
    try {
      const body = await Deno.readFile(join(dir, rel));
      const type = TYPES[/\.[a-z]+$/.exec(rel)?.[0] ?? ""] ?? "application/octet-stream";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found\n", { status: 404 });
    }
  });
  let stopped: Promise<void> | undefined;
  const stop = () => stopped ??= server.shutdown();
  return {
    url: `http://127.0.0.1:${server.addr.port}/`,
    requests,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
