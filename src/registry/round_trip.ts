/**
 * The one shape every layer of the registry transport has: a request in, the final response
 * out. Each concern (user agent, retries, redirects, `Warning` headers, connections) is a
 * function taking the next layer and returning a {@link RoundTrip}; transport.ts chains them.
 */

/** What a body factory returns: any fetch body, or bytes of any buffer kind. */
type BodyPayload = BodyInit | Uint8Array | null;

/** Produces a request body; called again for each attempt, so streams are re-opened. */
export type BodyFactory = () => BodyPayload | Promise<BodyPayload>;

/** One request through the transport. */
export interface TransportRequest {
  method: string;
  url: URL;
  /** The registry the request is for, as messages name it. */
  registry: string;
  headers?: Record<string, string>;
  /** Sent only to the request URL's host, never across a redirect to another host. */
  authorization?: string;
  body?: BodyFactory;
  signal?: AbortSignal;
  /** Retry on retryable statuses and network errors (default true). */
  retry?: boolean;
}

/**
 * Sends a request and resolves to the response, whatever its status; rejects when no answer
 * came. Layers wrap one another through this type only.
 */
export type RoundTrip = (req: TransportRequest) => Promise<Response>;

/** A URL for debug lines and messages: long query values (upload `_state`) shortened. */
export function shownUrl(url: URL): string {
  return url.href.replace(/([?&][^=&]+=)([^&]{48})[^&]+/g, "$1$2…");
}
