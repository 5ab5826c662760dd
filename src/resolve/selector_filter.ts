/**
 * Keeping the Kubernetes objects of a document that match a label selector, as ko's
 * `MatchesSelector`: a document must be a mapping with string `apiVersion` and `kind`; labels
 * come from `metadata.labels` (absent means no labels, so `!app` matches); a `kind: List` keeps
 * the items that match, removed in place, and matches if any item is left. Null documents and
 * documents with an empty `kind` never match.
 *
 * Removing list items edits the source text (whole lines for block sequences, the item and
 * its comma for flow sequences) so that the rest of the document stays as written.
 */
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  type Node,
  type ParsedNode,
  type YAMLMap,
  type YAMLSeq,
} from "../deps/yaml.ts";
import type { LabelSelector } from "./label_selector.ts";
import type { TextEdit } from "./text_edits.ts";
import { isStringScalar } from "./yaml_refs.ts";

/** A document that is not a Kubernetes object or list; `offset` locates the culprit. */
export class SelectorMatchError extends Error {
  override name = "SelectorMatchError";
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

/** What to do with a document. */
export interface Selection {
  /** Whether the document is kept. */
  readonly keep: boolean;
  /** Source edits removing the List items that did not match. */
  readonly removals: readonly TextEdit[];
  /** Set when items were removed but their text could not be located safely. */
  readonly reserialize: boolean;
}

const DROP: Selection = { keep: false, removals: [], reserialize: false };
const KEEP: Selection = { keep: true, removals: [], reserialize: false };

/**
 * Decides whether a document matches; for a List, removes the non-matching items from the
 * document's `items` (the document is mutated) and returns the source edits doing the same.
 * Throws SelectorMatchError for documents that are not Kubernetes objects.
 */
export function selectDocument(
  doc: Document.Parsed,
  text: string,
  selector: LabelSelector,
): Selection {
  const root = doc.contents;
  const kind = objectKind(root, doc.range[0]);
  if (kind === "") return DROP;
  if (kind !== "List") return selector.matches(objectLabels(root)) ? KEEP : DROP;

  const items = isMap(root) ? mapValue(root, "items", isSeq) : undefined;
  if (!items) throw new SelectorMatchError("yaml is not a valid k8s list", doc.range[0]);
  const original = [...items.items] as ParsedNode[];
  const kept = original.map((item) => {
    objectKind(item, item.range[0]);
    return selector.matches(objectLabels(item));
  });
  if (!kept.includes(true)) return DROP; // an empty List too: no item matches (as ko)
  if (!kept.includes(false)) return KEEP;
  items.items = original.filter((_, i) => kept[i]);
  const removals = itemRemovals(text, items, original, kept);
  return { keep: true, removals: removals ?? [], reserialize: removals === undefined };
}

/**
 * The `kind` of a Kubernetes object node: "" for a null node or an empty kind; throws when
 * the node is not a mapping with string `apiVersion` and `kind`.
 */
function objectKind(node: Node | null, offset: number): string {
  if (node === null) return "";
  if (isScalar(node) && node.value === null) return "";
  const apiVersion = isMap(node) ? mapValue(node, "apiVersion", isStringScalar) : undefined;
  const kind = isMap(node) && apiVersion ? mapValue(node, "kind", isStringScalar) : undefined;
  if (!kind) {
    const at = (node as ParsedNode).range?.[0] ?? offset;
    throw new SelectorMatchError("yaml doesn't represent a k8s object", at);
  }
  return kind.value;
}

/** `metadata.labels` as a map of key to value text; empty if either level is not a mapping. */
function objectLabels(node: Node | null): Map<string, string> {
  const labels = new Map<string, string>();
  const metadata = isMap(node) ? mapValue(node, "metadata", isMap) : undefined;
  const map = metadata ? mapValue(metadata, "labels", isMap) : undefined;
  for (const pair of map?.items ?? []) {
    const key = nodeText(pair.key);
    // The first occurrence of a key wins, as in ko's lookup.
    if (!labels.has(key)) labels.set(key, nodeText(pair.value));
  }
  return labels;
}

/** The first value under string key `key` that passes `test`. */
function mapValue<T>(
  map: YAMLMap,
  key: string,
  test: (node: unknown) => node is T,
): T | undefined {
  for (const pair of map.items) {
    if (isStringScalar(pair.key) && pair.key.value === key && test(pair.value)) return pair.value;
  }
  return undefined;
}

/** The text of a scalar as written (go-yaml's `Node.Value`); "" for anything else. */
function nodeText(node: unknown): string {
  if (!isScalar(node)) return "";
  if (typeof node.source === "string") return node.source;
  return node.value === null || node.value === undefined ? "" : String(node.value);
}

/** Source edits removing the items not kept; undefined when their text cannot be located. */
function itemRemovals(
  text: string,
  seq: YAMLSeq,
  original: readonly ParsedNode[],
  kept: readonly boolean[],
): TextEdit[] | undefined {
  const token = seq.srcToken;
  if (token?.type === "block-seq" && token.items.length === original.length) {
    return blockItemRemovals(text, token.items, original, kept);
  }
  if (seq.flow) return flowItemRemovals(original, kept);
  return undefined;
}

/**
 * Block sequence items are removed as whole lines: from the line of the item's `-` (with the
 * comment lines just above it at the same indentation) to where the next item starts, or for
 * the last item to the end of its last line.
 */
function blockItemRemovals(
  text: string,
  cstItems: readonly { start: readonly { type: string; offset: number }[] }[],
  original: readonly ParsedNode[],
  kept: readonly boolean[],
): TextEdit[] | undefined {
  const heads: number[] = [];
  for (const item of cstItems) {
    const dash = item.start.find((t) => t.type === "seq-item-ind");
    if (!dash) return undefined;
    const lineStart = text.lastIndexOf("\n", dash.offset - 1) + 1;
    const before = text.slice(lineStart, dash.offset);
    if (!/^[ ]*$/.test(before)) return undefined;
    heads.push(headStart(text, lineStart, before.length));
  }
  const last = original[original.length - 1]!;
  let tail = last.range[2];
  if (tail > 0 && text[tail - 1] !== "\n") {
    const nl = text.indexOf("\n", tail);
    tail = nl === -1 ? text.length : nl + 1;
  }
  const edits: TextEdit[] = [];
  kept.forEach((keep, i) => {
    if (!keep) edits.push({ start: heads[i]!, end: heads[i + 1] ?? tail, text: "" });
  });
  return edits;
}

/** Moves a line start up over the comment lines directly above it at the given indentation. */
function headStart(text: string, lineStart: number, indent: number): number {
  let start = lineStart;
  while (start > 0) {
    const prev = text.lastIndexOf("\n", start - 2) + 1;
    const line = text.slice(prev, start);
    const m = /^([ ]*)#/.exec(line);
    if (!m || m[1]!.length !== indent) break;
    start = prev;
  }
  return start;
}

/**
 * Flow sequence items are removed with the separator after them; items after the last kept
 * one are removed with the separator before them, so no dangling comma is left.
 */
function flowItemRemovals(original: readonly ParsedNode[], kept: readonly boolean[]): TextEdit[] {
  const lastKept = kept.lastIndexOf(true);
  const edits: TextEdit[] = [];
  original.forEach((item, i) => {
    if (i < lastKept && !kept[i]) {
      edits.push({ start: item.range[0], end: original[i + 1]!.range[0], text: "" });
    }
  });
  if (lastKept < original.length - 1) {
    edits.push({
      start: original[lastKept]!.range[1],
      end: original[original.length - 1]!.range[1],
      text: "",
    });
  }
  return edits;
}
