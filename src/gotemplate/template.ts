/**
 * A hand-written interpreter for the part of Go's `text/template` that ko users put in `flags`
 * and `ldflags`, with ko's `missingkey=error`. This file is the entry of src/gotemplate: code
 * outside the folder imports from here only. It covers:
 *
 * - text and `{{ }}` actions, trim markers `{{- ` / ` -}}`, comments `{{/* … *\/}}`;
 * - field chains on maps (`.Env.HOME`, `.Git.Tag`), `.`, `$`, variables (`{{ $v := … }}`,
 *   `{{ $v = … }}`), pipelines with `|`, parenthesised pipelines, `(x).Field`;
 * - `if`/`else if`/`else`, `with`/`else with`, `range` over lists, maps (sorted keys) and
 *   integers with `$i, $v :=`, `break`, `continue`, each closed by `end`;
 * - string (interpreted and raw), character, number, `true`/`false` and `nil` constants;
 * - Go's builtins `and or not len index slice print printf println eq ne lt le gt ge html js
 *   urlquery` (no sprig: like ko, nothing else is defined).
 *
 * Errors read like Go's: `template: <name>:<line>: <parse error>` and
 * `template: <name>:<line>:<col>: executing "<name>" at <node>: map has no entry for key "X"`.
 * `define`, `template` and `block` are refused: ko parses each flag on its own, so they are of
 * no use there.
 *
 * @example
 * ```ts
 * const t = parseTemplate("argsTmpl", "-X main.version={{.Git.Tag}}");
 * t.execute({ Git: { Tag: "v1.2.3" } }); // "-X main.version=v1.2.3"
 * ```
 */
import { TemplateError } from "./error.ts";
import { executeTree } from "./exec.ts";
import type { ListNode } from "./nodes.ts";
import { parseTemplateTree } from "./parser.ts";

export { TemplateError };
export { GoFloat, stringMap } from "./values.ts";

/** A parsed template, ready to run against any number of data values. */
class Template {
  /** @internal use {@link parseTemplate}. */
  constructor(
    readonly name: string,
    readonly text: string,
    private readonly root: ListNode,
  ) {}

  /** Runs the template; throws {@link TemplateError} with Go's message on failure. */
  execute(data: unknown): string {
    return executeTree(this.name, this.text, this.root, data);
  }
}

/** Parses a template; throws {@link TemplateError} with Go's parse-error message. */
export function parseTemplate(name: string, text: string): Template {
  return new Template(name, text, parseTemplateTree(name, text));
}
