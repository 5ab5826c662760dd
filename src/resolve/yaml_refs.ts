/**
 * Finding `ko://` references in a YAML document and writing a new value into a scalar's
 * source text in the scalar's own style.
 *
 * A reference is, as in ko, any string scalar (plain, quoted or block; map keys included;
 * untagged or tagged `!!str`) whose value starts with `ko://`. The test is made before
 * trimming, so leading spaces defeat it; the reference is the value with surrounding
 * whitespace trimmed. Aliases are not followed: the anchored scalar is the one rewritten.
 */
import { type Document, isCollection, isScalar, parse, Scalar, visit } from "../deps/yaml.ts";
import type { TextEdit } from "./text_edits.ts";
import { KO_SCHEME } from "../util/ko_scheme.ts";

const STR_TAG = "tag:yaml.org,2002:str";

/** One occurrence of a reference in a document. */
export interface ReferenceSite extends ScalarSite {
  /** The trimmed reference, e.g. `ko://example.com/app/cmd/x`. */
  readonly ref: string;
  /** The scalar holding it (its `range` locates it in the file). */
  readonly node: Scalar<string>;
}

/** Where a scalar to rewrite is and how it is written: enough for {@link scalarEdit}. */
export interface ScalarSite {
  /** The scalar's source range and style. */
  readonly node: Pick<Scalar, "range" | "type">;
  /** Whether the scalar is inside a flow collection (`[…]`, `{…}`), which restricts plain style. */
  readonly inFlow: boolean;
  /** Whether the scalar is a map key. */
  readonly isKey: boolean;
}

/** Whether a node is a string scalar the way go-yaml tags it `!!str`. */
export function isStringScalar(node: unknown): node is Scalar<string> {
  return isScalar(node) && typeof node.value === "string" &&
    (node.tag === undefined || node.tag === STR_TAG);
}

/**
 * Every `ko://` string scalar of a document, depth-first in document order, keys before
 * their values.
 */
export function findReferences(doc: Document): ReferenceSite[] {
  const sites: ReferenceSite[] = [];
  visit(doc, {
    Scalar(key, node, path) {
      if (!isStringScalar(node) || !node.value.startsWith(KO_SCHEME)) return;
      const inFlow = path.some((p) => isCollection(p) && p.flow === true);
      sites.push({ ref: node.value.trim(), node, inFlow, isKey: key === "key" });
    },
  });
  return sites;
}

/**
 * The edit writing `value` into the scalar's source text, in the scalar's style: plain stays
 * plain (double-quoted if the value could not be read back as the same plain string),
 * single and double quotes are kept, and a block scalar keeps `|` or `>` with `-` chomping
 * (the new value has no final line break, as in ko), its header comment and indentation.
 *
 * Quoted and checked plain values are certain to read back as written; block scalars and
 * long keys (implicit keys are limited to 1024 characters) are marked to be verified.
 */
export function scalarEdit(text: string, site: ScalarSite, value: string): TextEdit {
  const range = site.node.range;
  if (!range) throw new Error("scalarEdit: node has no source range");
  const [start, end] = range;
  let replacement: string;
  let verify = site.isKey && value.length > 1000;
  switch (site.node.type) {
    case Scalar.PLAIN:
      replacement = isPlainSafe(value, site.inFlow) ? value : doubleQuoted(value);
      break;
    case Scalar.QUOTE_SINGLE:
      replacement = /[\n\r]/.test(value) ? doubleQuoted(value) : singleQuoted(value);
      break;
    case Scalar.BLOCK_LITERAL:
    case Scalar.BLOCK_FOLDED:
      replacement = blockScalar(text.slice(start, end), value);
      verify = true;
      break;
    default:
      replacement = doubleQuoted(value);
  }
  return { start, end, text: replacement, verify };
}

/** A YAML double-quoted scalar; JSON's escaping is valid YAML and keeps JSON files JSON. */
function doubleQuoted(value: string): string {
  return JSON.stringify(value);
}

function singleQuoted(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

const plainSafety = new Map<string, boolean>();

/**
 * Whether `value` written plain reads back as the same string: no surrounding or special
 * whitespace, no leading indicator, no `: ` or ` #`, no trailing `:`, no flow indicators
 * inside flow collections, and not a number, boolean or null under YAML 1.1 or 1.2.
 */
export function isPlainSafe(value: string, inFlow: boolean): boolean {
  if (inFlow && /[,[\]{}]/.test(value)) return false;
  let safe = plainSafety.get(value);
  if (safe === undefined) {
    safe = readsAsPlainString(value);
    if (plainSafety.size > 10_000) plainSafety.clear();
    plainSafety.set(value, safe);
  }
  return safe;
}

function readsAsPlainString(value: string): boolean {
  if (value === "" || value !== value.trim() || /[\n\r\t]/.test(value)) return false;
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(value)) return false;
  if (value.includes(": ") || value.includes(" #") || value.endsWith(":")) return false;
  try {
    return parse(value, { version: "1.2" }) === value && parse(value, { version: "1.1" }) === value;
  } catch {
    return false;
  }
}

/** Rewrites a block scalar's source (`|…\n  content\n`) to hold `value`. */
function blockScalar(source: string, value: string): string {
  const header = /^([|>])[0-9+-]*([^\r\n]*)(\r?\n)/.exec(source);
  // Lines of content, each with its indentation; the first non-blank one sets the indent.
  const indent = header ? /^[ \t]*\S/m.exec(source.slice(header[0].length)) : null;
  if (!header || !indent || /[\n\r]/.test(value) || value !== value.trimStart()) {
    // Not a shape we rewrite in place: the value on the header's line, then the line break.
    return doubleQuoted(value) + (header?.[3] ?? "\n");
  }
  const [, indicator, rest, newline] = header;
  const spaces = indent[0].slice(0, -1);
  // Blank lines that ended the block (kept by `+` chomping) stay, as bare line breaks.
  const endBreaks = /(?:\r?\n[ \t]*)*$/.exec(source)![0].split("\n").length - 1;
  const trailing = newline!.repeat(Math.max(0, endBreaks - 1));
  return `${indicator}-${rest}${newline}${spaces}${value}${newline}${trailing}`;
}
