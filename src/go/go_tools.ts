/** The Go toolchain of one run: its `go list` answers and its `go build`s. */
import { GoLister, type Timer } from "./go_lister.ts";
import { GoRunner } from "./go_runner.ts";

/** A run's `go list` and `go build`, closed together when the run is over. */
export class GoTools {
  /** The run's `go list` answers. */
  readonly lister: GoLister;
  /** The run's go builds, at most `jobs` at a time. */
  readonly runner: GoRunner;

  /** `jobs`: how many go builds (and `go list`s) may run at once; `time` times each `go list`. */
  constructor(jobs: number, time?: Timer) {
    this.lister = new GoLister(time, jobs);
    this.runner = new GoRunner(jobs);
  }

  /** Waits for every `go list`, and stops the early builds nobody took over. */
  async close(): Promise<void> {
    await this.lister.idle();
    await this.runner.close();
  }
}
