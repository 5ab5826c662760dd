/**
 * The progress of one run, from the reports of its units (each image, and each platform of a
 * multi-platform image): plain log lines (labelled `[linux/arm64]` in multi-platform builds),
 * or a live view on a terminal, or nothing but results; and the timings of every phase, printed
 * at the end with `--timings` or `-v`. One source of truth: every view reads the same reports.
 */
import { debug, filterLog, info, isVerbose, setLogSink, warn } from "../util/log.ts";
import type { Phase, Reporter, Reports, UploadProgress } from "./reporter.ts";
import { LiveView, type UnitView } from "./live_view.ts";
import { formatBytes } from "./units.ts";
import { formatTimings, type Span } from "./timings.ts";

/** How progress is shown: log lines, a live view redrawn in place, or results only. */
export type ProgressMode = "plain" | "tty" | "quiet";

/** What a run's progress needs. */
export interface RunProgressOptions {
  readonly mode: ProgressMode;
  /** Print the per-phase timings at the end (`--timings`, or `-v`). */
  readonly timings: boolean;
  /** Writes text to the terminal (stderr) as it is, synchronously. */
  readonly write: (text: string) => void;
  /** The terminal's width in columns, asked at each redraw (live view). */
  readonly columns?: () => number;
  /** Colours in the live view (none with `NO_COLOR`). */
  readonly color?: boolean;
}

interface Unit extends UnitView {
  readonly image: string;
  /** The span of the current phase, for the timings. */
  span?: Span;
}

/** The progress of one run. */
export class RunProgress implements Reports {
  readonly #units = new Map<string, Unit>();
  readonly #spans: Span[] = [];
  /** The last log line of each image: what a plain run ends with, repeated after a live view. */
  readonly #finalLines = new Map<string, string>();
  readonly #view: LiveView | undefined;
  readonly #restoreLog: (() => void) | undefined;
  readonly #started = performance.now();
  #liveOver = false;

  constructor(private readonly o: RunProgressOptions) {
    this.#spans.push({ name: "start-up", start: 0, end: this.#started });
    if (o.mode === "tty") {
      this.#view = new LiveView({
        write: o.write,
        columns: o.columns ?? (() => 80),
        color: o.color ?? false,
      });
      // Warnings logged meanwhile (and everything with -v) go above the view; progress lines
      // are what the view shows instead.
      this.#restoreLog = setLogSink((line) => {
        if (isVerbose() || line.includes(" WARNING: ")) this.#view?.above(line);
      });
    } else if (o.mode === "quiet") {
      // Only warnings (and everything with -v) are shown.
      this.#restoreLog = filterLog((line) => isVerbose() || line.includes(" WARNING: "));
    }
  }

  /** The reporter of an image (a `ko://` reference). */
  image(importPath: string): Reporter {
    return this.#reporter(importPath, undefined);
  }

  /** Times a step of the run itself (configuration, `go list`); call the result when done. */
  span(name: string, detail?: string): () => void {
    const span: Span = { name, start: performance.now(), ...(detail ? { detail } : {}) };
    this.#spans.push(span);
    return () => span.end ??= performance.now();
  }

  /**
   * Ends the run's progress: stops the live view (repeating the last line of each image, as a
   * plain run ends with them) and prints the timings when asked for.
   */
  finish(): void {
    const now = performance.now();
    for (const span of this.#spans) span.end ??= now;
    this.endLive();
    if (this.o.timings || isVerbose()) {
      this.o.write(formatTimings(this.#spans, now) + "\n");
    }
  }

  endLive(): void {
    if (!this.#view || this.#liveOver) return;
    this.#liveOver = true;
    this.#view.stop();
    this.#restoreLog?.();
    for (const line of this.#finalLines.values()) info(line);
  }

  #reporter(image: string, platform: string | undefined): Reporter {
    const key = `${image}\0${platform ?? ""}`;
    let unit = this.#units.get(key);
    if (!unit) {
      unit = { image, ...(platform ? { platform } : {}), since: performance.now(), uploads: [] };
      this.#units.set(key, unit);
      this.#view?.add(unit);
    }
    const u = unit;
    const label = platform ? `[${platform}] ` : "";
    const app = image.replace(/^ko:\/\//, "").split("/").pop() || image;
    const where = platform ? `${app} ${platform}` : app;
    return {
      forPlatform: (p) => this.#reporter(image, p),
      phase: (phase: Phase, since?: number) => {
        const now = performance.now();
        if (u.span) u.span.end = now;
        u.phase = phase;
        u.since = since ?? now;
        u.span = undefined;
        if (phase !== "done" && phase !== "cached") {
          u.span = { name: phase, start: since ?? now, detail: where };
          this.#spans.push(u.span);
        }
        this.#view?.changed();
      },
      upload: (digest, total) => this.#upload(u, digest, total),
      info: (message) => {
        if (!platform) this.#finalLines.set(image, message);
        if (this.o.mode === "plain" || this.#liveOver) info(label + message);
      },
      debug: (message) => debug(label + message),
      warn: (message) => warn(label + message),
    };
  }

  #upload(unit: Unit, digest: string, total: number): UploadProgress {
    const upload = { digest, sent: 0, total, start: performance.now() };
    unit.uploads.push(upload);
    const span: Span = {
      name: "upload",
      start: upload.start,
      detail: `${digest.slice(0, 19)}… ${formatBytes(total)}`,
    };
    this.#spans.push(span);
    this.#view?.changed();
    return {
      sent: (sent) => {
        upload.sent = sent;
        this.#view?.changed();
      },
      done: () => {
        span.end ??= performance.now();
        upload.sent = total;
        const i = unit.uploads.indexOf(upload);
        if (i >= 0) unit.uploads.splice(i, 1);
        this.#view?.changed();
      },
    };
  }
}
