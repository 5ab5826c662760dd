/**
 * A parsed `.ko.yaml` (or `.ko.json`) that keeps source positions, so every complaint about a
 * value can say `<file>:<line>:<col>: …`. Parsing uses the `yaml` package (YAML 1.2 core
 * schema, like Go's yaml v3/v4: `yes` is a string); JSON is parsed as the YAML it also is.
 */
import type * as Yaml from "../deps/yaml.ts";
import type { Document, Node } from "../deps/yaml.ts";
import { KoError } from "../util/errors.ts";
import { warn } from "../util/log.ts";
import { quoteInput } from "../util/quote_input.ts";

let yamlModule: typeof Yaml | undefined;

/**
 * Loads the `yaml` package. It is only needed once a configuration file is read, and a build
 * without one should not pay for loading it; call this before making a ConfigSource.
 */
export async function loadYaml(): Promise<typeof Yaml> {
  return yamlModule ??= await import("../deps/yaml.ts");
}

function yaml(): typeof Yaml {
  if (!yamlModule) throw new Error("the yaml package is not loaded: await loadYaml() first");
  return yamlModule;
}

const isAlias = (n: unknown) => yaml().isAlias(n);
const isMap = (n: unknown) => yaml().isMap(n);
const isScalar = (n: unknown) => yaml().isScalar(n);
const isSeq = (n: unknown) => yaml().isSeq(n);

/** A key of a mapping with its value node (undefined for an explicit null). */
export interface Entry {
  key: string;
  keyNode: Node;
  value: Node | undefined;
}

/** A configuration document with positions. */
export class ConfigSource {
  private readonly lines = new (yaml().LineCounter)();
  private readonly doc: Document.Parsed;

  /**
   * Parses the text; syntax errors throw `error reading config file: <file>:<l>:<c>: …`.
   * `file` is the name used in messages. Needs {@link loadYaml} to have completed.
   */
  constructor(readonly file: string, text: string) {
    this.doc = yaml().parseDocument(text, {
      lineCounter: this.lines,
      prettyErrors: false,
      merge: true,
    });
    // Like ko (go-yaml decodes the first document only), a second `---` document is not
    // read; say so instead of failing with the yaml package's advice to call its own API.
    // An empty one (a trailing `---`, or only comments) loses nothing and is not mentioned.
    if (this.doc.errors.some((e) => e.code === "MULTIPLE_DOCS")) {
      const lines = new (yaml().LineCounter)();
      const docs = yaml().parseAllDocuments(text, { lineCounter: lines });
      const ignored = Array.isArray(docs)
        ? docs.slice(1).find((d) =>
          d.contents !== null && !(isScalar(d.contents) && d.contents.value === null)
        )
        : undefined;
      if (ignored) {
        const { line, col } = lines.linePos(ignored.range[0]);
        warn(
          `${file}:${line}:${col}: only the first YAML document is read; this one and any ` +
            `after it are ignored`,
        );
      }
    }
    const err = this.doc.errors.find((e) => e.code !== "MULTIPLE_DOCS");
    if (err) {
      const { line, col } = this.lines.linePos(err.pos[0]);
      throw new KoError(`error reading config file: ${file}:${line}:${col}: ${err.message}`);
    }
    for (const w of this.doc.warnings) {
      const { line, col } = this.lines.linePos(w.pos[0]);
      warn(`${file}:${line}:${col}: ${w.message}`);
    }
  }

  /** The top-level node (undefined for an empty document). */
  get root(): Node | undefined {
    return this.resolve(this.doc.contents ?? undefined);
  }

  /** `<file>:<line>:<col>` of a node. */
  at(node: Node | undefined): string {
    if (!node?.range) return this.file;
    const { line, col } = this.lines.linePos(node.range[0]);
    return `${this.file}:${line}:${col}`;
  }

  /** A KoError prefixed with the node's position. */
  error(node: Node | undefined, message: string): KoError {
    return new KoError(`${this.at(node)}: ${message}`);
  }

  /** Follows aliases (`*anchor`) and turns an explicit null into undefined. */
  resolve(node: Node | undefined | null): Node | undefined {
    let n: unknown = node ?? undefined;
    if (isAlias(n)) n = n.resolve(this.doc);
    if (isScalar(n) && n.value === null) return undefined;
    return (n as Node | undefined) ?? undefined;
  }

  /**
   * The entries of a mapping, or a type error naming `what`. Merge keys (`<<: *anchor` or
   * `<<: [*a, *b]`, which Go's yaml honours) are expanded; explicit keys win over merged ones,
   * compared case-insensitively as every ko key is.
   */
  entries(node: Node, what: string): Entry[] {
    if (!isMap(node)) throw this.error(node, `${what} must be a mapping, got ${describe(node)}`);
    const explicit: Entry[] = [];
    const merged: Entry[] = [];
    for (const pair of node.items) {
      const keyNode = pair.key as Node;
      if (!isScalar(keyNode) || typeof keyNode.value === "object") {
        throw this.error(keyNode, `${what} keys must be strings, got ${describe(keyNode)}`);
      }
      const value = this.resolve(pair.value as Node | null);
      const isMerge = keyNode.value === "<<" || typeof keyNode.value === "symbol";
      if (isMerge && value !== undefined) {
        const sources = this.items(value) ?? [value];
        for (const src of sources) {
          for (const e of this.entries(src, `${what} merge`)) {
            if (!merged.some((m) => m.key.toLowerCase() === e.key.toLowerCase())) merged.push(e);
          }
        }
        continue;
      }
      explicit.push({ key: String(keyNode.value), keyNode, value });
    }
    const keys = new Set(explicit.map((e) => e.key.toLowerCase()));
    return [...explicit, ...merged.filter((m) => !keys.has(m.key.toLowerCase()))];
  }

  /** A scalar as a string (numbers and booleans converted, as viper does), or a type error. */
  scalar(node: Node, what: string): string {
    if (!isScalar(node)) throw this.error(node, `${what} must be a string, got ${describe(node)}`);
    return String(node.value);
  }

  /** The items of a sequence, or undefined when the node is not one. */
  items(node: Node): Node[] | undefined {
    if (!isSeq(node)) return undefined;
    return node.items.map((n) => this.resolve(n as Node)).filter((n): n is Node => n !== undefined);
  }
}

/** What a node is, for type errors: `a list`, `a mapping`, `a number (3)`, `a string ("x")`. */
export function describe(node: Node | undefined): string {
  if (node === undefined) return "null";
  if (isMap(node)) return "a mapping";
  if (isSeq(node)) return "a list";
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === "number" || typeof v === "bigint") return `a number (${String(v)})`;
    if (typeof v === "boolean") return `a boolean (${v})`;
    if (typeof v === "string") return `a string (${quoteInput(v)})`;
    if (v === null) return "null";
  }
  return "an unsupported value";
}
