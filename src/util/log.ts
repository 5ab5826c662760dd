/**
 * Logging to stderr. stdout is reserved for results (references, YAML, versions); every
 * progress or diagnostic line goes through here. Lines look like ko's:
 * `2026/11/26 14:30:00 Building example.com/app for linux/amd64`.
 */
import { capMessage } from "./quote_input.ts";

let verbose = false;
let sink: (line: string) => void = (line) => {
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
};

/** Turns debug output on or off (the global `-v/--verbose` flag). */
export function setVerbose(on: boolean): void {
  verbose = on;
}

/** Whether debug output is on. */
export function isVerbose(): boolean {
  return verbose;
}

/** Redirects log lines (tests capture them); returns a function restoring the previous sink. */
export function setLogSink(fn: (line: string) => void): () => void {
  const previous = sink;
  sink = fn;
  return () => {
    sink = previous;
  };
}

/** Lets only the lines `keep` accepts through to the current sink; returns the undo. */
export function filterLog(keep: (line: string) => boolean): () => void {
  const inner = sink;
  return setLogSink((line) => {
    if (keep(line)) inner(line);
  });
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())}`;
}

/** A progress line, always shown (ko's `log.Printf`). */
export function info(message: string): void {
  sink(`${stamp()} ${capMessage(redact(message))}`);
}

/** A warning, always shown. */
export function warn(message: string): void {
  sink(`${stamp()} WARNING: ${capMessage(redact(message))}`);
}

/** A debug line, shown only with `-v`. */
export function debug(message: string): void {
  if (verbose) sink(`${stamp()} ${redact(message)}`);
}

const SECRET_PATTERNS: RegExp[] = [
  /(Authorization:\s*)(Basic|Bearer)\s+\S+/gi,
  /("(?:auth|password|identitytoken|registrytoken|token|access_token|refresh_token|Secret)"\s*:\s*")[^"]*/gi,
];

/** Removes credentials that might sneak into a message (headers, config.json fields, tokens). */
export function redact(text: string): string {
  let out = text;
  for (const re of SECRET_PATTERNS) {
    out = out.replace(
      re,
      // Only the header pattern has a second group: elsewhere the argument is the match offset.
      (_m, prefix: string, scheme: unknown) =>
        typeof scheme === "string" && /^(Basic|Bearer)$/i.test(scheme)
          ? `${prefix}${scheme} <redacted>`
          : `${prefix}<redacted>`,
    );
  }
  return out;
}
