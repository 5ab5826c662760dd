/**
 * Shared pieces of the registry client tests: a client configured for a test registry (its
 * credentials, its CA, tiny retry delays), blobs from bytes, and captured log lines.
 */
import { RegistryClient, type RegistryClientOptions } from "../../src/registry/client.ts";
import type { BlobSource } from "../../src/registry/blobs.ts";
import type { Credential } from "../../src/registry/credentials.ts";
import type { RepositoryRef } from "../../src/registry/scope.ts";
import { type Digest, sha256Digest } from "../../src/oci/digest.ts";
import { setLogSink, setVerbose } from "../../src/util/log.ts";
import type { RegistryServer } from "../helpers/registry_server.ts";

/** Retry settings for tests: 3 attempts, millisecond delays. */
export const FAST_RETRY = { attempts: 3, baseDelayMs: 5, jitter: 0, maxDelayMs: 2000 };

/** The credentials of a test registry (anonymous in plain and tls modes). */
export function credentialOf(server: RegistryServer): Credential {
  return server.username !== undefined && server.password !== undefined
    ? { username: server.username, password: server.password }
    : {};
}

/** A client for a test registry: its credentials, its CA, fast retries. */
export function clientFor(
  server: RegistryServer,
  opts: RegistryClientOptions & { credential?: Credential } = {},
): RegistryClient {
  const credential = opts.credential ?? credentialOf(server);
  return new RegistryClient({
    keychain: () => Promise.resolve(credential),
    retry: FAST_RETRY,
    ...(server.caCertPem ? { caCerts: [server.caCertPem] } : {}),
    ...opts,
  });
}

/** A repository of a test registry (or any host, e.g. a fault proxy in front of it). */
export function repoOf(host: string | RegistryServer, repository: string): RepositoryRef {
  return { registry: typeof host === "string" ? host : host.host, repository };
}

/** A blob source over bytes, counting how often it was opened. */
export function blobOf(bytes: Uint8Array): BlobSource & { opens: number; digest: Digest } {
  const blob = {
    digest: sha256Digest(bytes),
    size: bytes.length,
    opens: 0,
    open: () => {
      blob.opens++;
      return Promise.resolve(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream());
    },
  };
  return blob;
}

/** Random bytes, so each test's blobs are new to the registry. */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

/** Collects log lines (verbose on) until `restore()`. */
export function captureLogs(verbose = false): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const restoreSink = setLogSink((line) => lines.push(line));
  setVerbose(verbose);
  return {
    lines,
    restore: () => {
      setVerbose(false);
      restoreSink();
    },
  };
}

/** Reads a stream to the end. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
