/**
 * A run's progress (src/progress/run_progress.ts): plain log lines of a platform say which, a
 * quiet run prints no progress but its warnings, the live view ends by repeating each image's
 * last line, and the timings list every phase.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { RunProgress } from "../../src/progress/run_progress.ts";
import { info, setLogSink } from "../../src/util/log.ts";

/** Runs `fn` with the log captured (timestamps dropped). */
function logged(fn: () => void): string[] {
  const lines: string[] = [];
  const restore = setLogSink((l) => lines.push(l.replace(/^\S+ \S+ /, "")));
  try {
    fn();
  } finally {
    restore();
  }
  return lines;
}

Deno.test("plain: a platform's lines are labelled with it, the image's are not", () => {
  let out = "";
  const lines = logged(() => {
    const progress = new RunProgress({ mode: "plain", timings: false, write: (t) => out += t });
    const image = progress.image("ko://example.com/app");
    image.info("Publishing app");
    image.forPlatform("linux/arm64").info("pushed blob: sha256:ab");
    image.forPlatform("linux/arm64").warn("careful");
    progress.finish();
  });
  deepEqual(lines, [
    "Publishing app",
    "[linux/arm64] pushed blob: sha256:ab",
    "WARNING: [linux/arm64] careful",
  ]);
  equal(out, "");
});

Deno.test("quiet: no progress lines, but warnings", () => {
  const lines = logged(() => {
    const progress = new RunProgress({ mode: "quiet", timings: false, write: () => {} });
    const image = progress.image("ko://example.com/app");
    image.info("Publishing app");
    info("Using build config app for example.com/app"); // a line not of any image
    image.warn("careful");
    progress.finish();
  });
  deepEqual(lines, ["WARNING: careful"]);
});

Deno.test("tty: the view takes the screen, then each image's last line is repeated", () => {
  let out = "";
  const lines = logged(() => {
    const progress = new RunProgress({ mode: "tty", timings: false, write: (t) => out += t });
    const image = progress.image("ko://example.com/app");
    image.phase("go build");
    image.info("Building app");
    image.info("Published registry.example/app@sha256:ab");
    progress.endLive();
    progress.finish();
  });
  deepEqual(lines, ["Published registry.example/app@sha256:ab"]);
  ok(out.includes("app"), "the view was drawn");
  ok(out.endsWith("\x1b[?25h"), "the cursor was given back");
});

Deno.test("timings list start-up, steps, phases and uploads in start order, and the total", () => {
  let out = "";
  logged(() => {
    const progress = new RunProgress({ mode: "plain", timings: true, write: (t) => out += t });
    const listed = progress.span("go list", "./cmd/app");
    const image = progress.image("ko://example.com/app/cmd/app");
    image.phase("go build");
    listed();
    image.phase("layers");
    const upload = image.upload("sha256:" + "a".repeat(64), 2_100_000);
    upload.sent(2_100_000);
    upload.done();
    image.phase("done");
    progress.finish();
  });
  const rows = out.trim().split("\n");
  equal(rows[0], "timings (ms):");
  const names = rows.slice(1).map((r) => r.trim().split(/\s{2,}/)[0]);
  deepEqual(names, [
    "start-up",
    "go list ./cmd/app",
    "go build app",
    "layers app",
    "upload sha256:aaaaaaaaaaaa… 2.1 MB",
    "total",
  ]);
  match(rows.at(-1)!, /^\s+total\s+\d+$/);
});

Deno.test("a phase that began earlier (a go build taken over) is timed from when it began", () => {
  let out = "";
  logged(() => {
    const progress = new RunProgress({ mode: "plain", timings: true, write: (t) => out += t });
    const began = performance.now();
    const image = progress.image("ko://example.com/app/cmd/app");
    image.phase("waiting");
    const until = performance.now() + 30;
    while (performance.now() < until) { /* 30 ms pass */ }
    image.phase("go build", began);
    image.phase("done");
    progress.finish();
  });
  const row = out.split("\n").find((r) => r.trim().startsWith("go build app"))!;
  const [start, , end, took] = row.trim().split(/\s+/).slice(3);
  ok(Number(took) >= 30, row);
  ok(Number(end) - Number(start) >= 30, row);
});
