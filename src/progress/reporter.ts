/**
 * What a unit of work (an image, or one platform of it) reports while it runs: the phase it
 * is in, the bytes of its uploads, and the log lines that belong to it. The run's progress
 * (run_progress.ts) turns these into plain log lines, the live view on a terminal, and the
 * timings; code deep in the build or the registry client only ever sees this interface.
 */
import { debug, info, warn } from "../util/log.ts";

/** The phases a build passes through, in order. */
export type Phase =
  | "waiting"
  | "base"
  | "go build"
  | "layers"
  | "sbom"
  | "uploading"
  | "done"
  | "cached";

/** One upload's progress. */
export interface UploadProgress {
  /** `sent` of the blob's bytes have gone out. */
  sent(sent: number): void;
  /** The upload is over (pushed, found or mounted). */
  done(): void;
}

/** Where a unit of work reports. */
export interface Reporter {
  /** The same image, narrowed to one platform of a multi-platform build. */
  forPlatform(platform: string): Reporter;
  /**
   * Enters a phase (the previous one of this unit ends); `since` (a `performance.now()` time)
   * when it began earlier, as a `go build` started at start-up and taken over.
   */
  phase(phase: Phase, since?: number): void;
  /** Starts reporting the upload of a blob of `total` bytes. */
  upload(digest: string, total: number): UploadProgress;
  /** A log line of this unit (labelled with its platform in multi-platform plain logs). */
  info(message: string): void;
  /** A debug line of this unit (shown with `-v`). */
  debug(message: string): void;
  /** A warning of this unit. */
  warn(message: string): void;
}

/** Hands out the reporter of each image of a run. */
export interface Reports {
  /** The reporter of an image (a `ko://` reference). */
  image(importPath: string): Reporter;
  /**
   * The work is over: stop redrawing a live view (repeating each image's last line), so that
   * what is written next (the results on stdout) lands on a clean terminal.
   */
  endLive(): void;
}

const NO_UPLOAD: UploadProgress = { sent: () => {}, done: () => {} };

/** Reports nothing but log lines, unlabelled (where no run reports progress: tests, tools). */
export const LOG_ONLY: Reporter & Reports = {
  image: () => LOG_ONLY,
  endLive: () => {},
  forPlatform: () => LOG_ONLY,
  phase: () => {},
  upload: () => NO_UPLOAD,
  info,
  debug,
  warn,
};
