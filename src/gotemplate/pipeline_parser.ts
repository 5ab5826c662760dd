/**
 * The pipeline half of the template parser (parser.ts builds the rest on it): the token
 * cursor, Go's parse-error messages (`template: <name>:<line>: …`), the variables in scope,
 * and pipelines with their declarations, commands and operands (fields, variables, builtin
 * names, constants, parenthesised pipelines).
 */
import { goUnquote } from "../util/go_quote.ts";
import { BUILTINS } from "./builtins.ts";
import { TemplateError } from "./error.ts";
import type { Token, TokenKind } from "./lexer.ts";
import { parseGoFloat, parseGoInt } from "./literals.ts";
import {
  type ArgNode,
  type CommandNode,
  nodeString,
  type NumberNode,
  type PipeNode,
} from "./nodes.ts";

const OPERAND_START: ReadonlySet<TokenKind> = new Set([
  "bool",
  "charConstant",
  "dot",
  "field",
  "identifier",
  "number",
  "nil",
  "rawString",
  "string",
  "variable",
  "leftParen",
]);

/** A parser over a template's tokens that reads pipelines; parser.ts adds the body structure. */
export class PipelineParser {
  /** The index of the next token. */
  protected i = 0;
  private line = 1;
  /** The variables in scope, innermost last. */
  protected vars: string[] = ["$"];
  /** The line of the action being parsed, 0 between actions. */
  protected actionLine = 0;

  constructor(private readonly name: string, private readonly tokens: Token[]) {}

  // Token stream.

  private next(): Token {
    const t = this.tokens[Math.min(this.i, this.tokens.length - 1)]!;
    if (this.i < this.tokens.length) this.i++;
    this.line = t.line;
    return t;
  }
  protected peek(): Token {
    return this.tokens[Math.min(this.i, this.tokens.length - 1)]!;
  }
  protected nextNonSpace(): Token {
    let t = this.next();
    while (t.kind === "space") t = this.next();
    return t;
  }
  protected peekNonSpace(): Token {
    while (this.peek().kind === "space") this.i++;
    return this.peek();
  }

  protected fail(message: string): never {
    throw new TemplateError(`template: ${this.name}:${this.line}: ${message}`);
  }
  protected unexpected(t: Token, context: string): never {
    if (t.kind === "error") {
      let extra = "";
      if (this.actionLine !== 0 && this.actionLine !== t.line) {
        extra = ` in action started at ${this.name}:${this.actionLine}`;
        if (t.value.endsWith(" action")) extra = extra.slice(" in action".length);
      }
      this.line = t.line;
      this.fail(`${t.value}${extra}`);
    }
    this.fail(`unexpected ${tokenString(t)} in ${context}`);
  }
  protected expect(kind: TokenKind, context: string): Token {
    const t = this.nextNonSpace();
    if (t.kind !== kind) this.unexpected(t, context);
    return t;
  }

  // Pipelines.

  protected pipeline(context: string, end: "rightDelim" | "rightParen"): PipeNode {
    const first = this.peekNonSpace();
    const pipe: PipeNode = {
      type: "pipe",
      pos: first.pos,
      line: first.line,
      isAssign: false,
      decl: [],
      cmds: [],
    };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.kind !== "variable") break;
      const save = this.i;
      this.next();
      const next = this.peekNonSpace();
      if (next.kind === "assign" || next.kind === "declare") {
        pipe.isAssign = next.kind === "assign";
        this.nextNonSpace();
        pipe.decl.push({ type: "variable", pos: v.pos, ident: [v.value] });
        this.vars.push(v.value);
      } else if (next.kind === "char" && next.value === ",") {
        this.nextNonSpace();
        pipe.decl.push({ type: "variable", pos: v.pos, ident: [v.value] });
        this.vars.push(v.value);
        if (context === "range" && pipe.decl.length < 2) {
          const k = this.peekNonSpace().kind;
          if (k === "variable" || k === "rightDelim" || k === "rightParen") continue decls;
          this.fail("range can only initialize variables");
        }
        this.fail(`too many declarations in ${context}`);
      } else {
        this.i = save;
      }
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.kind === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      if (OPERAND_START.has(t.kind)) {
        this.i--;
        pipe.cmds.push(this.command());
      } else {
        this.unexpected(t, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const k = c.args[0]!.type;
      if (k === "bool" || k === "dot" || k === "nil" || k === "number" || k === "string") {
        this.fail(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: "command", pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.kind === "space") continue;
      if (t.kind === "rightDelim" || t.kind === "rightParen") this.i--;
      else if (t.kind !== "pipe") this.unexpected(t, "operand");
      break;
    }
    if (cmd.args.length === 0) this.fail("empty command");
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().kind !== "field") return node;
    const pos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().kind === "field") fields.push(this.next().value.slice(1));
    switch (node.type) {
      case "field":
        return { type: "field", pos, ident: [...node.ident, ...fields] };
      case "variable":
        return { type: "variable", pos, ident: [...node.ident, ...fields] };
      case "bool":
      case "string":
      case "number":
      case "nil":
      case "dot":
        this.fail(`unexpected . after term ${JSON.stringify(nodeString(node))}`);
        break;
      default:
        return { type: "chain", pos, node, field: fields };
    }
  }

  private term(): ArgNode | undefined {
    const t = this.nextNonSpace();
    switch (t.kind) {
      case "identifier":
        if (!Object.hasOwn(BUILTINS, t.value)) {
          this.fail(`function ${JSON.stringify(t.value)} not defined`);
        }
        return { type: "identifier", pos: t.pos, name: t.value };
      case "dot":
        return { type: "dot", pos: t.pos };
      case "nil":
        return { type: "nil", pos: t.pos };
      case "variable": {
        if (!this.vars.includes(t.value)) {
          this.fail(`undefined variable ${JSON.stringify(t.value)}`);
        }
        return { type: "variable", pos: t.pos, ident: [t.value] };
      }
      case "field":
        return { type: "field", pos: t.pos, ident: [t.value.slice(1)] };
      case "bool":
        return { type: "bool", pos: t.pos, value: t.value === "true" };
      case "charConstant":
      case "number":
        return this.number(t);
      case "leftParen":
        return this.pipeline("parenthesized pipeline", "rightParen");
      case "string":
      case "rawString": {
        const text = goUnquote(t.value);
        if (text === undefined) this.fail("invalid syntax");
        return { type: "string", pos: t.pos, quoted: t.value, text };
      }
    }
    this.i--;
    return undefined;
  }

  private number(t: Token): NumberNode {
    const n: NumberNode = {
      type: "number",
      pos: t.pos,
      text: t.value,
      isInt: false,
      int: 0n,
      isUint: false,
      isFloat: false,
      float: 0,
    };
    if (t.kind === "charConstant") {
      const inner = t.value.slice(1, -1);
      const s = inner === "\\'" ? "'" : inner === '"' ? '"' : goUnquote(`"${inner}"`);
      const cps = s === undefined ? [] : [...s];
      if (cps.length !== 1) this.fail(`malformed character constant: ${t.value}`);
      const cp = cps[0]!.codePointAt(0)!;
      return { ...n, isInt: true, int: BigInt(cp), isUint: true, isFloat: true, float: cp };
    }
    if (t.value.endsWith("i")) this.fail(`complex constants are not supported: ${t.value}`);
    const i = parseGoInt(t.value);
    if (i !== undefined) {
      const inRange = i >= -(1n << 63n) && i < (1n << 63n);
      if (inRange) Object.assign(n, { isInt: true, int: i });
      if (i >= 0n && i < (1n << 64n)) n.isUint = true;
      if (n.isInt || n.isUint) return { ...n, isFloat: true, float: Number(i) };
    }
    const f = parseGoFloat(t.value);
    if (f !== undefined) {
      if (!/[.eEpP]/.test(t.value)) this.fail(`integer overflow: ${JSON.stringify(t.value)}`);
      n.isFloat = true;
      n.float = f;
      if (Number.isInteger(f) && Math.abs(f) < 2 ** 63) {
        n.isInt = true;
        n.int = BigInt(f);
      }
      return n;
    }
    this.fail(`illegal number syntax: ${JSON.stringify(t.value)}`);
  }
}

function tokenString(t: Token): string {
  if (t.kind === "eof") return "EOF";
  if (t.kind === "error") return t.value;
  if (t.kind === "keyword") return `<${t.value}>`;
  const v = t.kind === "leftDelim" ? "{{" : t.kind === "rightDelim" ? "}}" : t.value;
  const runes = [...v];
  if (runes.length > 10) return `${JSON.stringify(runes.slice(0, 10).join(""))}...`;
  return JSON.stringify(v);
}
