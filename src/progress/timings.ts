/**
 * The timings of a run: one line per phase (start-up, configuration, each `go list`, each
 * platform's go build, layers and SBOM, each upload, the manifest pushes), when it started
 * and how long it took, in start order.
 */

/** A timed step: its name, what it was about, and when it started and ended (ms since start). */
export interface Span {
  readonly name: string;
  readonly detail?: string;
  readonly start: number;
  end?: number;
}

/**
 * The breakdown as text: `name  detail  start → end  duration`, one line each, and the total.
 *
 * @example
 * ```ts
 * formatTimings([{ name: "start-up", start: 0, end: 42 }], 300);
 * // "timings (ms):\n  start-up         0 →    42     42\n  total                        300"
 * ```
 */
export function formatTimings(spans: readonly Span[], total: number): string {
  const rows = [...spans].sort((a, b) => a.start - b.start).map((s) => {
    const end = s.end ?? total;
    const what = s.detail ? `${s.name} ${s.detail}` : s.name;
    return `  ${what.padEnd(48)} ${ms(s.start)} → ${ms(end)}  ${ms(end - s.start)}`;
  });
  return ["timings (ms):", ...rows, `  ${"total".padEnd(48)} ${" ".repeat(15)}${ms(total)}`].join(
    "\n",
  );
}

function ms(n: number): string {
  return String(Math.round(n)).padStart(6);
}
