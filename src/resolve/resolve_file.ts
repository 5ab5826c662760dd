/**
 * One file of `ko resolve`: parse its documents, drop null ones, apply the label selector,
 * find the `ko://` references, and once they are published write the file back with each
 * reference replaced in place.
 *
 * Output: the kept documents joined by `---\n` (no separator before the first, as ko), each
 * ending with a line break; empty when no document is kept. Within a document everything
 * but the replaced values, removed List items, the `---` marker and directives is byte for
 * byte the input (see yaml_stream.ts). Unlike ko, which re-encodes with go-yaml,
 * indentation, comments, quoting, key order and flow style (JSON stays JSON) are therefore
 * as written.
 *
 * Compared with ko (go-yaml v4): null documents (empty, `~`, `null`) are always dropped,
 * where ko writes an empty document for a trailing `---` (`---\n\n`) and keeps a `~`
 * document (kubectl ignores both); comments before the first `---` stay, as in ko; a
 * `%YAML` directive is dropped, where ko fails on `%YAML 1.2`; a comment before a `---`
 * keeps its place, where ko inserts a blank line before it.
 *
 * Edits whose result is not certain by construction (block scalars, removed List items,
 * content after `---`, very long keys) are checked by parsing the document again and
 * comparing it with the intended value (the original with items removed and references
 * replaced). Should an in-place edit ever read differently, the document is serialised from
 * its syntax tree instead (comments and styles kept, layout normalised), so the output is
 * right even when not byte-exact.
 */
import { isDeepStrictEqual } from "node:util";
import { type Document, isScalar, parseAllDocuments, Scalar } from "../deps/yaml.ts";
import { errorMessage, KoError } from "../util/errors.ts";
import { debug } from "../util/log.ts";
import type { LabelSelector } from "./label_selector.ts";
import { selectDocument, type Selection, SelectorMatchError } from "./selector_filter.ts";
import { applyEdits, type TextEdit } from "./text_edits.ts";
import { Occurrences } from "./text_scan.ts";
import { KO_SCHEME } from "../util/ko_scheme.ts";
import { findReferences, type ReferenceSite, scalarEdit, type ScalarSite } from "./yaml_refs.ts";
import { forEachDocument, PARSE_OPTIONS, type SourceDocument } from "./yaml_stream.ts";

/** A reference as found in a file, for checking and error messages. */
interface FileReference {
  /** The trimmed `ko://` reference. */
  readonly ref: string;
  /** 1-based line of the scalar holding it. */
  readonly line: number;
}

/** A file parsed, filtered and searched, waiting for its references to be published. */
export interface PreparedFile {
  /** The file name as enumerated (`-` for stdin). */
  readonly file: string;
  /** Every reference occurrence, in document order. */
  readonly references: readonly FileReference[];
  /** The distinct references, in order of first occurrence. */
  readonly distinct: readonly string[];
  /**
   * The file's output with every reference replaced by `published(ref)`, in pieces (a
   * document or a separator each; joined, they are the output), so that a large file is
   * never one large string. Call once: the documents' syntax trees are updated in the process.
   */
  render(published: (ref: string) => string): string[];
}

/**
 * A kept document whose rewrite is certain by construction: where its text lies, and the
 * quoted or plain scalars (not keys) to replace. Its syntax tree is not kept.
 */
interface LocatedDocument extends Omit<SourceDocument, "doc"> {
  readonly sites: readonly (ScalarSite & { readonly ref: string })[];
}

/** A kept document whose rewrite is checked by reading it back: its syntax tree stays. */
interface EditedDocument {
  readonly source: SourceDocument;
  readonly selection: Selection;
  readonly sites: readonly ReferenceSite[];
}

type KeptDocument = LocatedDocument | EditedDocument;

/**
 * Parses one file's text and prepares it for rewriting. Throws KoError for malformed YAML
 * (`<file>:<line>:<col>: …`) and for documents the selector cannot evaluate
 * (`error evaluating selector: <file>:<line>: yaml doesn't represent a k8s object`).
 *
 * Documents are parsed one at a time. Only those whose rewrite is read back (a reference in
 * a block scalar or a key, removed List items, content after `---`) keep their syntax tree;
 * the others are remembered by position and by the scalars to replace, so memory stays near
 * the size of the text however many documents it holds.
 */
export function prepareFile(file: string, text: string, selector?: LabelSelector): PreparedFile {
  const kept: KeptDocument[] = [];
  const references: FileReference[] = [];
  const input = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const schemes = new Occurrences(input, KO_SCHEME);
  // Escapes in double quotes that can spell `k`, `o`, `:` or `/`, and escaped line breaks.
  const escapes = new Occurrences(input, /\\[xuU/\r\n]/g);
  const stream = forEachDocument(file, input, (source, { position }) => {
    if (isNullDocument(source.doc)) return;
    let selection: Selection = { keep: true, removals: [], reserialize: false };
    if (selector && !selector.empty) {
      try {
        selection = selectDocument(source.doc, input, selector);
      } catch (err) {
        if (!(err instanceof SelectorMatchError)) throw err;
        const { line } = position(err.offset);
        throw new KoError(`error evaluating selector: ${file}:${line}: ${err.message}`);
      }
      if (!selection.keep) return;
    }
    // A string starting with `ko://` is written so, or with an escape in double quotes.
    const sites = schemes.within(source.start, source.end) ||
        escapes.within(source.start, source.end)
      ? findReferences(source.doc)
      : [];
    for (const s of sites) references.push({ ref: s.ref, line: position(s.node.range![0]).line });
    const certain = selection.removals.length === 0 && !selection.reserialize &&
      !source.markerHasContent && sites.every((s) => !s.isKey && !isBlock(s.node));
    if (!certain) return void kept.push({ source, selection, sites });
    const { doc: _, ...where } = source;
    kept.push({
      ...where,
      sites: sites.map(({ ref, node, inFlow, isKey }) => ({
        ref,
        node: { range: node.range, type: node.type },
        inFlow,
        isKey,
      })),
    });
  });

  return {
    file,
    references,
    distinct: [...new Set(references.map((r) => r.ref))],
    render(published) {
      const pieces: string[] = [];
      for (const k of kept) {
        if (pieces.length > 0) pieces.push("---\n");
        pieces.push(ensureNewline(renderDocument(stream.text, k, published)));
      }
      return pieces;
    },
  };
}

function isBlock(node: Pick<Scalar, "type">): boolean {
  return node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
}

/** A document whose content is null: empty (e.g. after a trailing `---`), `~` or `null`. */
function isNullDocument(doc: Document.Parsed): boolean {
  const c = doc.contents;
  return c === null ||
    (isScalar(c) && c.value === null &&
      (c.tag === undefined || c.tag === "tag:yaml.org,2002:null"));
}

function renderDocument(
  text: string,
  kept: KeptDocument,
  published: (ref: string) => string,
): string {
  if (!("source" in kept)) {
    const edits = kept.sites.map((site) => scalarEdit(text, site, published(site.ref)));
    if (kept.marker) edits.push({ start: kept.marker[0], end: kept.marker[1], text: "" });
    return kept.lead + applyEdits(text, kept.start, kept.end, edits);
  }
  const { source, selection, sites } = kept;
  const edits: TextEdit[] = [...selection.removals];
  if (source.marker) edits.push({ start: source.marker[0], end: source.marker[1], text: "" });
  for (const site of sites) {
    const value = published(site.ref);
    edits.push(scalarEdit(text, site, value));
    site.node.value = value;
  }
  const fallback = () => source.doc.toString({ directives: false, lineWidth: 0, indentSeq: true });
  if (selection.reserialize) return fallback();

  const out = source.lead + applyEdits(text, source.start, source.end, edits);
  const uncertain = source.markerHasContent || selection.removals.length > 0 ||
    edits.some((e) => e.verify);
  if (!uncertain || readsAs(out, source.doc)) return out;
  debug(`resolve: in-place rewrite of a document did not read back as intended; reserialising`);
  return fallback();
}

/** Whether `text` is one document with the same value as `doc` (same YAML version). */
function readsAs(text: string, doc: Document.Parsed): boolean {
  try {
    const docs = parseAllDocuments(text, {
      ...PARSE_OPTIONS,
      version: doc.directives.yaml.version,
    });
    if (!Array.isArray(docs) || docs.length !== 1) return false;
    const [again] = docs;
    if (!again || again.errors.length > 0) return false;
    return isDeepStrictEqual(again.toJS(), doc.toJS());
  } catch (err) {
    debug(`resolve: reading back a rewritten document failed: ${errorMessage(err)}`);
    return false;
  }
}

function ensureNewline(s: string): string {
  return s === "" || s.endsWith("\n") ? s : s + "\n";
}
