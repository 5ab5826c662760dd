/**
 * A {@link FaultRule} injecting a seeded mix of faults at a given rate: 503 with `Retry-After: 0`,
 * a reset before any answer (`drop`), a delay of 50–500 ms, a response body cut short
 * (`truncate`, GETs only) and a request body cut mid-upload (`cut`, PUT/PATCH with a body).
 *
 * Each request's fate is drawn from a PRNG seeded with the seed and the request's identity (its
 * method, its path with upload session ids blanked, its `digest`/`mount` parameters and how many
 * times that identity was seen), not from its arrival order: concurrent builds interleave
 * differently each time, yet the requests of a build's own repository keep their fate (those
 * all builds share, such as `GET /v2/`, may trade theirs).
 *
 * @example
 * ```ts
 * const seed = seedFromEnv("KO_SOAK_SEED", 1);
 * await using proxy = await startFaultProxy(registry.host, mixedFaults(seed, 0.1));
 * ```
 */
import type { FaultAction, FaultRequest, FaultRule } from "./fault_proxy.ts";

/** The kinds of fault, named as the proxy records their outcome. */
export const FAULT_KINDS = ["503", "drop", "delay", "truncate", "cut"] as const;

/** One kind of fault. */
export type FaultKind = typeof FAULT_KINDS[number];

/** A seed from `name` in the environment (a decimal integer), else `fallback`. */
export function seedFromEnv(name: string, fallback: number): number {
  const given = Deno.env.get(name);
  if (given !== undefined && given !== "") {
    const n = Number(given);
    if (!Number.isSafeInteger(n)) throw new Error(`${name}=${given} is not an integer`);
    return n >>> 0;
  }
  return fallback >>> 0;
}

/** FNV-1a of a string: a 32-bit seed for {@link mulberry32}. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A small seeded PRNG: numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A request's identity: its method and path, session ids blanked, and the blob it names. */
function identity(req: FaultRequest): string {
  const url = new URL(req.target, "http://proxy");
  const path = url.pathname.replace(/\/blobs\/uploads\/[^/]+$/, "/blobs/uploads/*");
  const named = ["digest", "mount"].map((k) => url.searchParams.get(k) ?? "").join(",");
  return `${req.method} ${path} ${named}`;
}

function hasBody(req: FaultRequest): boolean {
  return /chunked/i.test(req.headers["transfer-encoding"] ?? "") ||
    Number(req.headers["content-length"] ?? "0") > 0;
}

/**
 * The fault kinds that really disturb this request, to draw from evenly; a GET's truncation and
 * an upload's cut fill half of the list, as fewer requests can have them.
 */
function kindsFor(req: FaultRequest): FaultKind[] {
  const kinds: FaultKind[] = ["503", "drop", "delay"];
  if (req.method === "GET") kinds.push("truncate", "truncate", "truncate");
  else if ((req.method === "PUT" || req.method === "PATCH") && hasBody(req)) {
    kinds.push("cut", "cut", "cut");
  }
  return kinds;
}

/** A rule faulting about `rate` of the requests, with kinds and delays drawn from `seed`. */
export function mixedFaults(seed: number, rate: number): FaultRule {
  const seen = new Map<string, number>();
  return (req): FaultAction => {
    const id = identity(req);
    const occurrence = seen.get(id) ?? 0;
    seen.set(id, occurrence + 1);
    const random = mulberry32(hash32(`${seed}|${id}|${occurrence}`));
    if (random() >= rate) return "pass";
    const kinds = kindsFor(req);
    const kind = kinds[Math.floor(random() * kinds.length)]!;
    switch (kind) {
      case "503":
        return { status: 503, retryAfter: "0", body: '{"errors":[{"code":"UNAVAILABLE"}]}' };
      case "delay":
        return { delayMs: 50 + Math.floor(random() * 450) };
      default:
        return kind;
    }
  };
}
