/** The Go toolchain of one run: its `go list` answers and its `go build`s. */
import { GoLister } from "./go_lister.ts";
import { GoRunner } from "./go_runner.ts";

/** A run's `go list` and `go build`, closed together when the run is over. */
export class GoTools {
  /** The run's `go list` answers. */
  readonly lister: GoLister = new GoLister();
  /** The run's go builds, at most `jobs` at a time. */
  readonly runner: GoRunner;

  constructor(jobs: number) {
    this.runner = new GoRunner(jobs);
  }

  /** Waits for every `go list`, and stops the early builds nobody took over. */
  async close(): Promise<void> {
    await this.lister.idle();
    await this.runner.close();
  }
}
