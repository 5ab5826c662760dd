/** The transport layer that names ko in every request (`User-Agent`), redirect hops included. */
import { VERSION } from "../version.ts";
import type { RoundTrip } from "./round_trip.ts";

/** The `User-Agent` used when none is configured: `ko/<version>`. */
export const DEFAULT_USER_AGENT = `ko/${VERSION}`;

/** Sets `User-Agent` on each request, replacing any the caller gave. */
export function withUserAgent(next: RoundTrip, userAgent: string): RoundTrip {
  return (req) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers ?? {})) {
      if (name.toLowerCase() !== "user-agent") headers[name] = value;
    }
    headers["user-agent"] = userAgent;
    return next({ ...req, headers });
  };
}
