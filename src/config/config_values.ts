/**
 * Turning configuration values into string lists the way ko's decoders do: a list keeps its
 * items (scalars converted to strings), a string scalar is either split on whitespace (viper's
 * `GetStringSlice`, ko's `FlagArray`) or kept whole (ko's `StringArray`, used for `ldflags`),
 * and another scalar becomes a one-item list.
 */
import type { Node } from "../deps/yaml.ts";
import { type ConfigSource, describe } from "./config_source.ts";

/** How a string scalar becomes a list. */
type ScalarForm = "fields" | "whole";

/**
 * Splits on whitespace like Go's `strings.Fields`, except that whitespace inside a `{{ … }}`
 * template action does not split: ko would cut such an action in two and then fail to parse
 * either half, so keeping it whole only turns an error into the obvious meaning.
 *
 * @example
 * ```ts
 * splitFields("-X main.v={{ .Git.Tag }}  -s"); // ["-X", "main.v={{ .Git.Tag }}", "-s"]
 * ```
 */
function splitFields(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s.startsWith("{{", i)) {
      depth++;
      cur += "{{";
      i++;
    } else if (depth > 0 && s.startsWith("}}", i)) {
      depth--;
      cur += "}}";
      i++;
    } else if (depth === 0 && /\s/.test(s[i]!)) {
      if (cur !== "") out.push(cur);
      cur = "";
    } else {
      cur += s[i];
    }
  }
  if (cur !== "") out.push(cur);
  return out;
}

/** A string list from an environment variable value (viper splits on whitespace). */
export function listFromEnv(value: string): string[] {
  return splitFields(value);
}

/**
 * A string list from a node: list items must be scalars; a string scalar is split or kept
 * whole per `form`; another scalar is a one-item list. Type errors name `what` and the place.
 */
export function listFromNode(
  src: ConfigSource,
  node: Node,
  what: string,
  form: ScalarForm,
): string[] {
  const items = src.items(node);
  if (items) {
    return items.map((item) => {
      try {
        return src.scalar(item, what);
      } catch {
        throw src.error(item, `${what} items must be strings, got ${describe(item)}`);
      }
    });
  }
  let text: string;
  try {
    text = src.scalar(node, what);
  } catch {
    throw src.error(node, `${what} must be a list or a string, got ${describe(node)}`);
  }
  const isString = typeof (node as { value?: unknown }).value === "string";
  if (!isString || form === "whole") return [text];
  return splitFields(text);
}

/** The index of the first entry that is not `KEY=VALUE`, or -1. */
export function badEnvEntry(entries: readonly string[]): number {
  return entries.findIndex((e) => !e.includes("="));
}

/**
 * The message for an environment entry without `=` (ko only fails later, at build time, with
 * `invalid environment variable entry`; here the load fails and says where).
 */
export function envEntryMessage(what: string, entry: string): string {
  return `${what}: invalid environment variable entry ${JSON.stringify(entry)}: expected KEY=VALUE`;
}
