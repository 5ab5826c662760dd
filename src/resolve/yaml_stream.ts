/**
 * Parsing one YAML file (a stream of documents) into composed documents that remember the
 * exact source text they came from, so that they can be written back with minimal changes.
 *
 * Each document's text is cut from the file: the top-level comments just before it (a
 * licence header, say), then its own text up to where the next document, `...` marker or
 * the end of the file begins. What is left out, on purpose:
 *
 * - `%YAML` / `%TAG` directives, as ko (go-yaml writes none). The output is a single
 *   stream where a directive could not follow the separators anyway.
 * - the `---` marker of each document: the resolver writes its own separators (`---\n`
 *   between documents, none before the first, as ko). Whatever follows the marker on its
 *   line (`--- # note`, `--- |`) is kept.
 * - `...` document-end markers and anything on their line; comments after a `...` go with
 *   the next document.
 * - a leading byte-order mark.
 */
import {
  type Alias,
  Composer,
  type CST,
  type Document,
  isAlias,
  Parser,
  visit,
  type YAMLParseError,
} from "../deps/yaml.ts";
import { KoError } from "../util/errors.ts";
import { Occurrences } from "./text_scan.ts";

/** The options every document of a file is parsed with (ko accepts duplicate keys). */
export const PARSE_OPTIONS = { uniqueKeys: false, keepSourceTokens: true } as const;

/** One document of a file, with where its text lies in the file. */
export interface SourceDocument {
  /** The composed document (with `srcToken` on its nodes). */
  readonly doc: Document.Parsed;
  /** Top-level comments and blank lines just before the document, kept with it. */
  readonly lead: string;
  /** Offset of the document's own text in the file. */
  readonly start: number;
  /** Offset just past the document's text. */
  readonly end: number;
  /** The `---` marker (and what to drop with it) as [start, end), if the document has one. */
  readonly marker?: readonly [number, number];
  /** Whether content (not just a comment) follows the `---` on its line. */
  readonly markerHasContent: boolean;
}

/** Where things are in a file's text. */
export interface StreamText {
  readonly file: string;
  readonly text: string;
  /** 1-based line and column of an offset in the text. */
  position(offset: number): { line: number; column: number };
}

/** A parsed file: its text, its documents, and positions. */
interface YamlStream extends StreamText {
  readonly documents: readonly SourceDocument[];
}

/**
 * Parses a file's text. Malformed YAML throws KoError `<file>:<line>:<col>: <problem>`,
 * naming the first problem in the file.
 *
 * @example
 * ```ts
 * const stream = parseYamlStream("deploy.yaml", "a: 1\n---\nb: 2\n");
 * stream.documents.length; // 2
 * ```
 */
export function parseYamlStream(file: string, text: string): YamlStream {
  const documents: SourceDocument[] = [];
  const stream = forEachDocument(file, text, (doc) => void documents.push(doc));
  return { ...stream, documents };
}

/**
 * Parses a file's text one document at a time, handing each to `each` as soon as it is
 * composed; nothing of a document is kept here once `each` returns, so a large file never
 * has more than one document's syntax tree in memory (unless `each` keeps it).
 *
 * Problems are reported as if the whole file had been parsed first: the first malformed
 * YAML in the file (`<file>:<line>:<col>: <problem>`), else the first alias to an unknown
 * anchor, else what `each` threw first. After a problem `each` is not called again, but the
 * rest of the file is still parsed, for a syntax error further on takes precedence.
 */
export function forEachDocument(
  file: string,
  text: string,
  each: (doc: SourceDocument, stream: StreamText) => void,
): StreamText {
  const stream: StreamText = { file, text, position: positions(text) };
  const errors: YAMLParseError[] = [];
  let badAlias: KoError | undefined;
  let thrown: { error: unknown } | undefined;
  const pending: Omit<SourceDocument, "doc">[] = [];
  const stars = new Occurrences(text, "*");
  const take = (doc: Document.Parsed) => {
    const source = pending.shift();
    if (!source) throw new Error(`yaml stream: no document token for offset ${doc.range[0]}`);
    if (doc.errors.length > 0) errors.push(...doc.errors);
    if (errors.length > 0) return;
    // An alias is written `*name`: without a `*` the document has none to check.
    if (!badAlias && stars.within(source.start, source.end)) {
      const unknown = unknownAlias(doc);
      if (unknown) {
        const { line, column } = stream.position(unknown.range?.[0] ?? doc.range[0]);
        badAlias = new KoError(
          `${file}:${line}:${column}: unknown anchor '${unknown.source}' referenced`,
        );
      }
    }
    if (badAlias || thrown) return;
    try {
      each({ doc, ...source }, stream);
    } catch (error) {
      thrown = { error };
    }
  };

  const composer = new Composer(PARSE_OPTIONS);
  let lead = "";
  let afterDirective = false;
  let previous: CST.Token | undefined;
  // Each token is handled once the next one (or the end) tells where it ends.
  const handle = (token: CST.Token, end: number) => {
    switch (token.type) {
      case "comment":
      case "space":
        lead += token.source;
        afterDirective = false;
        break;
      case "newline":
        // A directive's own line break goes with it.
        if (!afterDirective) lead += token.source;
        afterDirective = false;
        break;
      case "directive":
        afterDirective = true;
        break;
      case "doc-end":
        lead = "";
        break;
      case "document":
        pending.push({ lead, start: token.offset, end, ...markerOf(token, end, text) });
        lead = "";
        break;
      default:
        // byte-order-mark and other stream-level tokens carry no document text.
        break;
    }
    for (const doc of composer.next(token)) take(doc);
  };
  for (const token of new Parser().parse(text)) {
    if (previous) handle(previous, token.offset);
    previous = token;
  }
  if (previous) handle(previous, text.length);
  for (const doc of composer.end()) take(doc);
  errors.push(...composer.streamInfo().errors);

  if (errors.length > 0) {
    const first = errors.reduce((a, b) => (b.pos[0] < a.pos[0] ? b : a));
    const { line, column } = stream.position(first.pos[0]);
    throw new KoError(`${file}:${line}:${column}: ${lowerFirst(first.message)}`, {
      cause: first,
    });
  }
  if (pending.length > 0) {
    throw new Error(`yaml stream: ${pending.length} document token(s) without a document`);
  }
  if (badAlias) throw badAlias;
  if (thrown) throw thrown.error;
  return stream;
}

/** Maps offsets of `text` to 1-based lines and columns. */
function positions(text: string): StreamText["position"] {
  const lineStarts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  return (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo]! + 1 };
  };
}

/**
 * The first alias of a document naming no anchor defined before it in the same document
 * (the composer accepts these; go-yaml, and so ko and kubectl, reject them).
 */
function unknownAlias(doc: Document.Parsed): Alias | undefined {
  const anchors = new Set<string>();
  let found: Alias | undefined;
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      if (anchors.has(node.source)) return undefined;
      found = node;
      return visit.BREAK;
    }
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor) anchors.add(anchor);
    return undefined;
  });
  return found;
}

/** Finds the `---` marker of a document, with the spaces after it and, alone, its newline. */
function markerOf(
  token: CST.Document,
  end: number,
  text: string,
): { marker?: readonly [number, number]; markerHasContent: boolean } {
  const start = token.start;
  const at = start.findIndex((t) => t.type === "doc-start");
  if (at === -1) return { markerHasContent: false };
  const markerToken = start[at]!;
  let stop = markerToken.offset + markerToken.source.length;
  let i = at + 1;
  while (start[i]?.type === "space") {
    stop = start[i]!.offset + start[i]!.source.length;
    i++;
  }
  const following = start[i];
  if (following?.type === "newline") {
    return {
      marker: [markerToken.offset, following.offset + following.source.length],
      markerHasContent: false,
    };
  }
  const hasContent = following?.type !== "comment" && stop < end &&
    !/^[ \t]*(\r?\n|$)/.test(text.slice(stop, end));
  return { marker: [markerToken.offset, stop], markerHasContent: hasContent };
}

/** `Nested mappings are …` → `nested mappings are …`, leaving acronyms (`YAML …`) alone. */
export function lowerFirst(message: string): string {
  return /^[A-Z][a-z]/.test(message) ? message[0]!.toLowerCase() + message.slice(1) : message;
}
