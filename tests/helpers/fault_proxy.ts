/**
 * A loopback HTTP/1.1 proxy in front of a plain-HTTP registry that injects faults per request:
 * pass the request through, drop the connection without answering (a real reset/close seen by
 * the client), answer with a chosen status (e.g. 503 + Retry-After), pass the request but cut
 * the response body short, pass it after a delay, or read only part of the request body and
 * close the connection (an upload cut mid-body). It works on raw TCP (Deno.listen) and handles
 * one request per connection (`Connection: close`). The rule is asked once the request's head
 * has arrived, before its body is read.
 *
 * @example
 * ```ts
 * const proxy = await startFaultProxy(reg.host, ({ method, n }) =>
 *   method === "PUT" && n < 3 ? { status: 503, retryAfter: "0" } : "pass");
 * try { ... `${proxy.host}/repo:tag` ... } finally { await proxy.stop(); }
 * ```
 */
import { concatBytes } from "./bytes.ts";

/** What the rule sees of a request. */
export interface FaultRequest {
  method: string;
  /** The path without the query. */
  path: string;
  /** The full request target (path and query). */
  target: string;
  /** Request headers, names lower-cased. */
  headers: Record<string, string>;
  /** 1-based count of requests the proxy has read. */
  n: number;
}

/**
 * What to do with a request: `pass` it; `drop` the connection once the request is read, without
 * answering; pass it but `truncate` the answer's body to half; `cut` the request body (read
 * half of it, or the first bytes that arrive when it is chunked, then close the connection);
 * pass it after waiting `delayMs`; or answer with an injected status.
 */
export type FaultAction =
  | "pass"
  | "drop"
  | "truncate"
  | "cut"
  | { delayMs: number }
  | InjectedStatus;

/** An answer the proxy makes up instead of asking the registry. */
export interface InjectedStatus {
  status: number;
  retryAfter?: string;
  body?: string;
  headers?: Record<string, string>;
}

/** Decides a request's fate (it may wait, e.g. for another request to arrive). */
export type FaultRule = (req: FaultRequest) => FaultAction | Promise<FaultAction>;

/** One request as the proxy handled it. */
export interface FaultRecord {
  method: string;
  path: string;
  /** `pass`, `drop`, `truncate`, `cut`, `delay` or the injected status as a string. */
  outcome: string;
  /** For passed requests: the upstream status. */
  status?: number;
}

/** A running fault proxy. */
export interface FaultProxy extends AsyncDisposable {
  /** `127.0.0.1:PORT`, to use instead of the registry's host. */
  host: string;
  requests: FaultRecord[];
  stop(): Promise<void>;
}

const CRLF = new TextEncoder().encode("\r\n");

/** Starts a fault proxy in front of `target` (`host:port` of a plain-HTTP server). */
export function startFaultProxy(target: string, rule: FaultRule): Promise<FaultProxy> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const host = `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  const requests: FaultRecord[] = [];
  const conns = new Set<Deno.Conn>();
  const handlers = new Set<Promise<void>>();
  let count = 0;

  const handle = async (client: Deno.Conn) => {
    const reader = new ConnReader(client);
    let upstream: Deno.Conn | undefined;
    try {
      const head = await reader.readHead();
      if (!head) return;
      const req = parseHead(head);
      if (req.headers["expect"]?.toLowerCase() === "100-continue") {
        await writeAll(client, new TextEncoder().encode("HTTP/1.1 100 Continue\r\n\r\n"));
      }
      const n = ++count;
      const path = req.target.split("?")[0]!;
      const action = await rule({
        method: req.method,
        path,
        target: req.target,
        headers: req.headers,
        n,
      });
      const record: FaultRecord = {
        method: req.method,
        path,
        outcome: typeof action === "string"
          ? action
          : "delayMs" in action
          ? "delay"
          : String(action.status),
      };
      requests.push(record);
      if (action === "cut") {
        await readPartOfBody(reader, req.headers);
        return;
      }
      const body = await readBody(reader, req.headers);
      if (action === "drop") return;
      if (typeof action !== "string") {
        if ("delayMs" in action) await new Promise((r) => setTimeout(r, action.delayMs));
        else {
          await writeAll(client, injected(action));
          return;
        }
      }
      const [hostname, port] = splitHostPort(target);
      upstream = await Deno.connect({ hostname, port });
      conns.add(upstream);
      const fwdHeaders = req.rawHeaders
        .filter(([k]) => !/^(host|connection|keep-alive|proxy-connection|expect)$/i.test(k))
        .map(([k, v]) => `${k}: ${v}\r\n`).join("");
      const outHead = `${req.method} ${req.target} ${req.version}\r\nHost: ${target}\r\n` +
        `${fwdHeaders}Connection: close\r\n\r\n`;
      await writeAll(upstream, concatBytes([new TextEncoder().encode(outHead), body]));
      const up = new ConnReader(upstream);
      const respHead = await up.readHead();
      if (!respHead) return;
      const resp = parseResponseHead(respHead);
      record.status = resp.status;
      const rewritten = resp.rawHeaders
        .filter(([k]) => !/^(connection|keep-alive)$/i.test(k))
        .map(([k, v]) => {
          if (k.toLowerCase() === "location") {
            v = v.replace(`//${target}/`, `//${host}/`);
          }
          return `${k}: ${v}\r\n`;
        }).join("");
      await writeAll(
        client,
        new TextEncoder().encode(`${resp.statusLine}\r\n${rewritten}Connection: close\r\n\r\n`),
      );
      if (action === "truncate") {
        const rest = await up.readToEnd();
        await writeAll(client, rest.subarray(0, Math.floor(rest.length / 2)));
        return;
      }
      const buffered = up.takeBuffered();
      if (buffered.length) await writeAll(client, buffered);
      const buf = new Uint8Array(64 * 1024);
      for (;;) {
        const got = await upstream.read(buf);
        if (got === null) break;
        await writeAll(client, buf.subarray(0, got));
      }
    } catch {
      // a peer went away: nothing more to do for this connection
    } finally {
      for (const c of [client, upstream]) {
        if (!c) continue;
        conns.delete(c);
        try {
          c.close();
        } catch {
          // already closed
        }
      }
    }
  };

  const acceptLoop = (async () => {
    for (;;) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return;
      }
      conns.add(conn);
      const h = handle(conn);
      handlers.add(h);
      h.finally(() => handlers.delete(h));
    }
  })();

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      try {
        listener.close();
      } catch {
        // already closed
      }
      await acceptLoop;
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      await Promise.allSettled([...handlers]);
    })();
    return stopped;
  };
  return Promise.resolve({ host, requests, stop, [Symbol.asyncDispose]: stop });
}

function injected(a: InjectedStatus): Uint8Array {
  const body = new TextEncoder().encode(a.body ?? "");
  let head =
    `HTTP/1.1 ${a.status} Injected\r\nContent-Length: ${body.length}\r\nConnection: close\r\n`;
  if (a.retryAfter !== undefined) head += `Retry-After: ${a.retryAfter}\r\n`;
  if (a.body !== undefined && !a.headers?.["content-type"]) {
    head += `Content-Type: ${a.body.startsWith("{") ? "application/json" : "text/plain"}\r\n`;
  }
  for (const [k, v] of Object.entries(a.headers ?? {})) head += `${k}: ${v}\r\n`;
  return concatBytes([new TextEncoder().encode(head + "\r\n"), body]);
}

interface ParsedHead {
  method: string;
  target: string;
  version: string;
  rawHeaders: Array<[string, string]>;
  headers: Record<string, string>;
}

function parseHeaders(
  lines: string[],
): { raw: Array<[string, string]>; map: Record<string, string> } {
  const raw: Array<[string, string]> = [];
  const map: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(":");
    if (i <= 0) continue;
    const k = line.slice(0, i).trim();
    const v = line.slice(i + 1).trim();
    raw.push([k, v]);
    const lk = k.toLowerCase();
    map[lk] = lk in map ? `${map[lk]}, ${v}` : v;
  }
  return { raw, map };
}

function parseHead(head: string): ParsedHead {
  const [line = "", ...rest] = head.split("\r\n");
  const [method = "", target = "", version = "HTTP/1.1"] = line.split(" ");
  const { raw, map } = parseHeaders(rest);
  return { method, target, version, rawHeaders: raw, headers: map };
}

function parseResponseHead(head: string) {
  const [statusLine = "", ...rest] = head.split("\r\n");
  const status = Number(statusLine.split(" ")[1]);
  return { statusLine, status, rawHeaders: parseHeaders(rest).raw };
}

/** Reads the request body as raw bytes (chunked framing kept), using Content-Length or chunking. */
async function readBody(reader: ConnReader, headers: Record<string, string>): Promise<Uint8Array> {
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
    const parts: Uint8Array[] = [];
    for (;;) {
      const sizeLine = await reader.readLine();
      parts.push(new TextEncoder().encode(sizeLine), CRLF);
      const size = parseInt(sizeLine.split(";")[0]!.trim(), 16);
      if (Number.isNaN(size)) throw new Error(`bad chunk size line ${JSON.stringify(sizeLine)}`);
      if (size === 0) {
        // trailers, up to an empty line
        for (;;) {
          const t = await reader.readLine();
          parts.push(new TextEncoder().encode(t), CRLF);
          if (t === "") return concatBytes(parts);
        }
      }
      parts.push(await reader.readExactly(size + 2));
    }
  }
  const length = Number(headers["content-length"] ?? "0");
  return length > 0 ? await reader.readExactly(length) : new Uint8Array();
}

/**
 * Reads half of a request body (the first bytes that arrive when it is chunked) and leaves the
 * rest unread, so closing the connection then resets it under the sender.
 */
async function readPartOfBody(reader: ConnReader, headers: Record<string, string>): Promise<void> {
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
    await reader.readSome();
    return;
  }
  const length = Number(headers["content-length"] ?? "0");
  if (length > 0) await reader.readExactly(Math.floor(length / 2));
}

/** Buffered reads from a connection. */
class ConnReader {
  #buf: Uint8Array = new Uint8Array(0);
  constructor(private conn: Deno.Conn) {}

  async #fill(): Promise<boolean> {
    const chunk = new Uint8Array(64 * 1024);
    const n = await this.conn.read(chunk);
    if (n === null) return false;
    this.#buf = concatBytes([this.#buf, chunk.subarray(0, n)]);
    return true;
  }

  /** The header block up to (excluding) the blank line, or undefined on EOF before any byte. */
  async readHead(): Promise<string | undefined> {
    for (;;) {
      const i = indexOf(this.#buf, "\r\n\r\n");
      if (i >= 0) {
        const head = new TextDecoder().decode(this.#buf.subarray(0, i));
        this.#buf = this.#buf.subarray(i + 4);
        return head;
      }
      if (!(await this.#fill())) {
        if (this.#buf.length === 0) return undefined;
        throw new Error("connection closed inside a header block");
      }
    }
  }

  async readLine(): Promise<string> {
    for (;;) {
      const i = indexOf(this.#buf, "\r\n");
      if (i >= 0) {
        const line = new TextDecoder().decode(this.#buf.subarray(0, i));
        this.#buf = this.#buf.subarray(i + 2);
        return line;
      }
      if (!(await this.#fill())) throw new Error("connection closed inside a line");
    }
  }

  async readExactly(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let have = Math.min(n, this.#buf.length);
    out.set(this.#buf.subarray(0, have));
    this.#buf = this.#buf.subarray(have);
    while (have < n) {
      const got = await this.conn.read(out.subarray(have));
      if (got === null) throw new Error("connection closed inside a body");
      have += got;
    }
    return out;
  }

  /** Whatever is buffered, or the next bytes to arrive (empty at EOF). */
  async readSome(): Promise<Uint8Array> {
    if (this.#buf.length === 0) await this.#fill();
    return this.takeBuffered();
  }

  async readToEnd(): Promise<Uint8Array> {
    while (await this.#fill()) {
      // keep reading
    }
    return this.takeBuffered();
  }

  takeBuffered(): Uint8Array {
    const out = this.#buf;
    this.#buf = new Uint8Array(0);
    return out;
  }
}

function indexOf(buf: Uint8Array, needle: string): number {
  const n = new TextEncoder().encode(needle);
  outer: for (let i = 0; i + n.length <= buf.length; i++) {
    for (let j = 0; j < n.length; j++) if (buf[i + j] !== n[j]) continue outer;
    return i;
  }
  return -1;
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

function splitHostPort(hostPort: string): [string, number] {
  const i = hostPort.lastIndexOf(":");
  return [hostPort.slice(0, i), Number(hostPort.slice(i + 1))];
}
