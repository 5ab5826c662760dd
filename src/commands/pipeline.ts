/**
 * The build → publish pipeline of one run, shared by build, run, resolve, apply and create:
 * an import path is qualified and checked, built once, and what the build yields (index
 * children as they are built, then the result) is handed to the publisher as it comes. Outputs
 * that wait for the end (tarball, `--image-refs`, the layout index) are written only when the
 * whole run succeeded. Error texts are ko's.
 */
import type { Builder } from "../build/builder.ts";
import type { BuildResult } from "../image/image.ts";
import type { Publisher } from "../publish/publisher.ts";
import { allOrNothing } from "../util/concurrency.ts";
import type { Reports } from "../progress/reporter.ts";
import { errorMessage, KoError } from "../util/errors.ts";

/** A reference built from the command line and what its publisher printed for it. */
export interface PublishedImage {
  /** The `ko://` reference that was built. */
  readonly ref: string;
  /** The reference the publisher returned (the line `ko build` prints). */
  readonly image: string;
}

/**
 * The `ko://` reference of an import path, checked to be buildable; failures read
 * `importpath "<ip>" is not supported: …`.
 */
export async function qualifyImportPath(builder: Builder, importPath: string): Promise<string> {
  try {
    const ref = await builder.qualify(importPath);
    await builder.check(ref);
    return ref;
  } catch (e) {
    throw new KoError(`importpath "${importPath}" is not supported: ${errorMessage(e)}`, {
      cause: e,
    });
  }
}

/** A builder and a publisher, joined for one run. */
export class Pipeline {
  /** Each reference's build-and-publish, once per run. */
  readonly #published = new Map<string, Promise<string>>();
  /** References an earlier round published, reused as they are (`--watch`). */
  #carried: ReadonlyMap<string, string> = new Map();

  /**
   * `reports` hands out each image's reporter; `release` frees what the run holds
   * (connections, workers, go builds) when it is over.
   */
  constructor(
    readonly builder: Builder,
    readonly publisher: Publisher,
    private readonly reports: Reports,
    private readonly release: () => Promise<void>,
  ) {}

  /** {@link qualifyImportPath} with this run's builder. */
  qualify(importPath: string): Promise<string> {
    return qualifyImportPath(this.builder, importPath);
  }

  /**
   * Builds and publishes a checked reference, once per run however often it is asked for, and
   * resolves to the reference to print. `label` names it in errors (`error building "<label>":
   * …`, `error publishing "<label>": …`); `rank` is its place among the run's results.
   */
  publish(ref: string, label: string, rank: number, signal?: AbortSignal): Promise<string> {
    let published = this.#published.get(ref);
    if (published === undefined) {
      const carried = this.#carried.get(ref);
      published = carried !== undefined
        ? Promise.resolve(carried)
        : this.#buildAndPublish(ref, label, rank, signal);
      this.#published.set(ref, published);
    }
    return published;
  }

  /**
   * Takes what an earlier round published (`--watch`): those references are not built again
   * but printed as they were.
   */
  carryOver(published: ReadonlyMap<string, string>): void {
    this.#carried = published;
  }

  /** Every reference this run built or carried over, and what it was published as. */
  async published(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const [ref, p] of this.#published) {
      const image = await p.catch(() => undefined);
      if (image !== undefined) out.set(ref, image);
    }
    return out;
  }

  /** The references this run built itself (not carried over). */
  built(): string[] {
    return [...this.#published.keys()].filter((ref) => !this.#carried.has(ref));
  }

  /**
   * `ko build` and `ko run`: qualifies and checks every import path (concurrently), then
   * builds and publishes each distinct reference once (concurrently; the go builds are bounded
   * by `--jobs`). Results come in the order of each reference's first import path. The first
   * failure stops the other builds and pushes (no `go build` outlives ko) and is thrown.
   */
  async publishImportPaths(
    importPaths: readonly string[],
    signal?: AbortSignal,
  ): Promise<PublishedImage[]> {
    const refs = await Promise.all(importPaths.map((ip) => this.qualify(ip)));
    const unique = [...new Map(refs.map((ref, i) => [ref, importPaths[i]!])).entries()];
    return await allOrNothing(
      unique.map(([ref, ip], rank) => async (stop) => ({
        ref,
        image: await this.publish(ref, ip, rank, stop),
      })),
      signal,
    );
  }

  /**
   * Runs a verb's publishing: `work`, then the publisher's `close` (tarball, `--image-refs`,
   * the layout index), then `afterClose` with the result. On any failure the publisher's
   * partial outputs are undone (`abort`) and the error is thrown; the run's resources are
   * released either way.
   */
  async run<T>(
    work: () => Promise<T>,
    afterClose: (result: T) => Promise<void> = () => Promise.resolve(),
  ): Promise<T> {
    try {
      const result = await work();
      await this.publisher.close();
      this.reports.endLive();
      await afterClose(result);
      return result;
    } catch (e) {
      await this.publisher.abort().catch(() => {});
      throw e;
    } finally {
      await this.close();
    }
  }

  /** Releases what the run holds, without publishing anything more. */
  close(): Promise<void> {
    return this.release();
  }

  async #buildAndPublish(
    ref: string,
    label: string,
    rank: number,
    signal?: AbortSignal,
  ): Promise<string> {
    const report = this.reports.image(ref);
    const target = { importPath: ref, rank, report };
    // Index children are published as they are built, while the other platforms build.
    const ahead: Promise<string>[] = [];
    let result: BuildResult | undefined;
    try {
      for await (const event of this.builder.build(ref, report, signal)) {
        if (event.kind === "result") {
          result = event.result;
          continue;
        }
        const pushed = this.publisher.publish(event, target, signal);
        pushed.catch(() => {}); // reported below, with the result
        ahead.push(pushed);
      }
      if (result === undefined) throw new Error(`the build of ${ref} yielded no result`);
    } catch (e) {
      throw new KoError(`error building "${label}": ${errorMessage(e)}`, { cause: e });
    }
    try {
      await Promise.all(ahead);
      return await this.publisher.publish({ kind: "result", result }, target, signal);
    } catch (e) {
      throw new KoError(`error publishing "${label}": ${errorMessage(e)}`, { cause: e });
    }
  }
}
