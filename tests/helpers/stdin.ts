/** A stdin stream for tests that feed `-f -` or `--password-stdin`. */

/** Turns a string into a one-shot stdin stream (tests feeding `-f -` or `--password-stdin`). */
export function stdinFrom(text: string | Uint8Array): ReadableStream<Uint8Array> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  return new ReadableStream({
    start(controller) {
      if (bytes.length > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}
