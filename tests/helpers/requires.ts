/**
 * The one way a test (or a step) says it needs a component that may be missing on this
 * machine. With any reason given, it is registered with `ignore: true` and the reason in its
 * name, so Deno's summary counts it as ignored and says why: a test that cannot run never
 * returns early and counts as passed. Reasons come from the component's helper
 * (`dockerUnavailableReason()`, `podmanUnavailableReason()`, `kubeApiserverUnavailableReason()`,
 * `kindNodeUnavailableReason()`, `denortUnavailableReason()`…) or from {@link programsMissing};
 * each is `undefined` when the component is there.
 *
 * @example
 * ```ts
 * Deno.test({
 *   ...requires("docker runs the image", dockerUnavailableReason()),
 *   async fn() {…},
 * });
 * await t.step({
 *   ...requires("the real kubectl gets the YAML", programsMissing("kubectl")),
 *   fn: async () => {…},
 * });
 * ```
 */
import { findExecutable } from "./tools.ts";

/** The `name` and `ignore` of a `Deno.test` or `t.step` definition. */
export interface Requirement {
  name: string;
  ignore: boolean;
}

/**
 * `{ name, ignore: false }` when every reason is `undefined`; otherwise ignored, with the
 * reasons appended to the name as `(ignored: …)`.
 */
export function requires(name: string, ...unavailable: (string | undefined)[]): Requirement {
  const reasons = unavailable.filter((r): r is string => r !== undefined);
  if (reasons.length === 0) return { name, ignore: false };
  return { name: `${name} (ignored: ${reasons.join("; ")})`, ignore: true };
}

/** Why programs cannot be run: those not found on PATH, or `undefined` when all are there. */
export function programsMissing(...programs: string[]): string | undefined {
  const missing = programs.filter((p) => findExecutable(p) === undefined);
  if (missing.length === 0) return undefined;
  return `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not on PATH`;
}

/** Why a test needing root cannot run, or `undefined` when running as root. */
export function rootMissing(): string | undefined {
  return Deno.uid() === 0 ? undefined : "needs root";
}
