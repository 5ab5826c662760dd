/**
 * `GET /v2/`: finds the scheme to use (HTTPS, or plain HTTP as a fallback for local and
 * insecure registries when TLS fails) and how the registry wants to be authenticated.
 */
import { KoError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import { type Challenge, parseChallenges, pickChallenge } from "./challenge.ts";
import { errorFromResponse, NetworkError } from "./http_errors.ts";
import { allowsPlainHttp } from "./scheme.ts";
import type { Transport } from "./transport.ts";

/** What a ping learned about a registry. */
export interface PingResult {
  registry: string;
  scheme: "https" | "http";
  /** The challenge to answer, or undefined when the registry allows anonymous access. */
  challenge?: Challenge;
}

async function pingOnce(
  transport: Transport,
  registry: string,
  scheme: "https" | "http",
  signal: AbortSignal | undefined,
): Promise<Response> {
  return await transport.send({
    method: "GET",
    url: new URL(`${scheme}://${registry}/v2/`),
    registry,
    ...(signal ? { signal } : {}),
  });
}

/** Reads the ping answer: 200 = anonymous, 401 = the challenge to answer. */
async function interpret(
  res: Response,
  registry: string,
  scheme: "https" | "http",
): Promise<PingResult> {
  if (res.status === 200) {
    await res.body?.cancel();
    return { registry, scheme };
  }
  if (res.status !== 401) {
    throw await errorFromResponse(res, `GET ${scheme}://${registry}/v2/`, registry);
  }
  await res.body?.cancel();
  const header = res.headers.get("www-authenticate");
  if (header === null) {
    throw new KoError(
      `registry ${registry} answered 401 to GET /v2/ without a WWW-Authenticate challenge`,
    );
  }
  const challenges = parseChallenges(header);
  const challenge = pickChallenge(challenges);
  if (challenge === undefined) {
    throw new KoError(
      `registry ${registry} asks for unsupported authentication "${
        challenges.map((c) => c.scheme).join(", ")
      }": only Basic and Bearer are supported`,
    );
  }
  return { registry, scheme, challenge };
}

/**
 * Pings a registry. HTTPS first; for local registries and those in `insecure`, plain HTTP when
 * the HTTPS connection fails (the HTTPS error is reported if HTTP does not work either).
 */
export async function ping(
  transport: Transport,
  registry: string,
  opts: { insecure?: readonly string[]; signal?: AbortSignal } = {},
): Promise<PingResult> {
  let res: Response;
  try {
    res = await pingOnce(transport, registry, "https", opts.signal);
  } catch (err) {
    if (!(err instanceof NetworkError) || !allowsPlainHttp(registry, opts.insecure)) throw err;
    debug(`${registry}: HTTPS failed (${err.message}), trying plain HTTP`);
    let plain: Response;
    try {
      plain = await pingOnce(transport, registry, "http", opts.signal);
    } catch {
      throw err;
    }
    if (plain.status !== 200 && plain.status !== 401) {
      await plain.body?.cancel();
      throw err;
    }
    return await interpret(plain, registry, "http");
  }
  return await interpret(res, registry, "https");
}
