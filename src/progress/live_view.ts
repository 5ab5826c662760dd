/**
 * The live view of a run on a terminal: one line per image and per platform, redrawn in place,
 * with the phase, the upload bytes, total and rate, and the time since the line started. Lines
 * never wrap (they are cut to the terminal's width), lines logged meanwhile are printed above
 * the view, and the cursor is shown again however the view ends (Ctrl-C included).
 */
import type { Phase } from "./reporter.ts";
import { formatBytes, formatDuration } from "./units.ts";

/** One line of the view: an image, or one platform of it. */
export interface UnitView {
  readonly image: string;
  readonly platform?: string;
  phase?: Phase;
  /** When the current phase (or the line) began. */
  since: number;
  /** Uploads in flight. */
  readonly uploads: Array<{ digest: string; sent: number; total: number; start: number }>;
}

/** What the view draws with. */
export interface LiveViewOptions {
  /** Writes to the terminal as it is. */
  readonly write: (text: string) => void;
  /** The terminal's width in columns. */
  readonly columns: () => number;
  readonly color: boolean;
}

const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";
/** A colour (SGR) escape sequence at the start of a string: it takes no columns. */
const SGR = new RegExp(`^${"\x1b"}\\[[0-9;]*m`);
/** Redraws at most this often (and this often while something runs, for the clocks). */
const FRAME_MS = 100;

/** A view redrawn in place. */
export class LiveView {
  readonly #units: Array<UnitView & { started: number }> = [];
  #drawn = 0;
  readonly #timer: ReturnType<typeof setInterval>;
  #stopped = false;
  readonly #restore = () => this.o.write(SHOW_CURSOR);

  constructor(private readonly o: LiveViewOptions) {
    o.write(HIDE_CURSOR);
    // However ko ends (a second Ctrl-C exits at once), the terminal gets its cursor back.
    globalThis.addEventListener("unload", this.#restore);
    this.#timer = setInterval(() => this.#draw(), FRAME_MS);
    Deno.unrefTimer(this.#timer);
  }

  /** Adds a line. */
  add(unit: UnitView): void {
    this.#units.push(Object.assign(unit, { started: performance.now() }));
    this.changed();
  }

  /** Something changed: redraw soon. */
  changed(): void {
    if (this.#units.length === 1 && this.#drawn === 0) this.#draw();
  }

  /** Prints a line above the view. */
  above(line: string): void {
    if (this.#stopped) {
      this.o.write(line + "\n");
      return;
    }
    this.#clear();
    this.o.write(this.#fit(line) + "\n");
    this.#draw();
  }

  /** Removes the view and gives the cursor back. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#clear();
    this.#restore();
    globalThis.removeEventListener("unload", this.#restore);
  }

  #clear(): void {
    if (this.#drawn > 0) this.o.write(`\x1b[${this.#drawn}F\x1b[J`);
    this.#drawn = 0;
  }

  #draw(): void {
    if (this.#stopped) return;
    const now = performance.now();
    const lines = this.#units.map((u) => this.#fit(this.#line(u, now)));
    this.#clear();
    if (lines.length > 0) this.o.write(lines.join("\n") + "\n");
    this.#drawn = lines.length;
  }

  #line(u: UnitView & { started: number }, now: number): string {
    const name = (u.image.replace(/^ko:\/\//, "").split("/").pop() || u.image) +
      (u.platform ? ` ${u.platform}` : "");
    const phase = u.phase ?? "starting";
    let detail = "";
    if (u.uploads.length > 0) {
      const sent = u.uploads.reduce((n, x) => n + x.sent, 0);
      const total = u.uploads.reduce((n, x) => n + x.total, 0);
      const secs = Math.max(0.001, (now - Math.min(...u.uploads.map((x) => x.start))) / 1000);
      detail = `${formatBytes(sent)}/${formatBytes(total)} ${formatBytes(sent / secs)}/s`;
    }
    const shown = this.o.color ? paint(phase) : phase;
    const elapsed = formatDuration(now - u.started);
    return `${name.padEnd(28)} ${shown}${" ".repeat(Math.max(1, 11 - phase.length))}${
      detail.padEnd(26)
    } ${elapsed}`;
  }

  /** A line cut to the terminal's width (escape sequences take no columns). */
  #fit(line: string): string {
    const width = Math.max(10, this.o.columns() - 1);
    let out = "";
    let visible = 0;
    for (let i = 0; i < line.length; i++) {
      const esc = SGR.exec(line.slice(i));
      if (esc) {
        out += esc[0];
        i += esc[0].length - 1;
        continue;
      }
      if (visible >= width) break;
      out += line[i];
      visible++;
    }
    return this.o.color ? out + "\x1b[0m" : out;
  }
}

function paint(phase: string): string {
  const code = phase === "done" || phase === "cached" ? "32" : "36";
  return `\x1b[${code}m${phase}\x1b[0m`;
}
