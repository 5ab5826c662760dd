/**
 * The transport layer that shows registry `Warning` headers (`299 - "text"`, e.g. a
 * deprecation notice) to the user, once per text; they are never acted on.
 */
import { warn } from "../util/log.ts";
import type { RoundTrip } from "./round_trip.ts";

/** Extracts the texts of `Warning: 299 - "text"` header values. */
export function parseWarnings(header: string): string[] {
  const out: string[] = [];
  const re = /\d{3}\s+\S+\s+"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(header); m; m = re.exec(header)) {
    out.push((m[1] ?? "").replace(/\\(.)/g, "$1"));
  }
  return out;
}

/** Logs each new warning text of every response, naming the registry the request was for. */
export function withWarningLog(next: RoundTrip): RoundTrip {
  const warned = new Set<string>();
  return async (req) => {
    const res = await next(req);
    const header = res.headers.get("warning");
    if (header === null) return res;
    for (const text of parseWarnings(header)) {
      if (warned.has(text)) continue;
      warned.add(text);
      warn(`registry ${req.registry}: ${text}`);
    }
    return res;
  };
}
