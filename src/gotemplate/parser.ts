/**
 * The parser of the Go `text/template` subset (see template.ts): turns the tokens of lexer.ts
 * into a tree with Go's node kinds, rules and parse-error messages (`template: <name>:<line>:
 * …`). This file reads the body (text, actions, `if`/`with`/`range` with `else` and `end`,
 * `break`/`continue`); pipeline_parser.ts reads the pipelines in it.
 */
import { lexTemplate } from "./lexer.ts";
import type { BranchNode, ListNode, Node } from "./nodes.ts";
import { PipelineParser } from "./pipeline_parser.ts";

interface EndOrElse {
  type: "end" | "else";
  pos: number;
}

/** Parses a template into its root list; throws TemplateError with Go's message. */
export function parseTemplateTree(name: string, text: string): ListNode {
  return new Parser(name, lexTemplate(text)).parse();
}

class Parser extends PipelineParser {
  private rangeDepth = 0;

  parse(): ListNode {
    const root: ListNode = { type: "list", pos: 0, nodes: [] };
    while (this.peek().kind !== "eof") {
      const n = this.textOrAction();
      if (n.type === "end" || n.type === "else") this.fail(`unexpected {{${n.type}}}`);
      root.nodes.push(n as Node);
    }
    return root;
  }

  private itemList(): { list: ListNode; next: EndOrElse } {
    const list: ListNode = { type: "list", pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().kind !== "eof") {
      const n = this.textOrAction();
      if (n.type === "end" || n.type === "else") return { list, next: n as EndOrElse };
      list.nodes.push(n as Node);
    }
    this.fail("unexpected EOF");
  }

  private textOrAction(): Node | EndOrElse {
    const t = this.nextNonSpace();
    if (t.kind === "text") return { type: "text", pos: t.pos, text: t.value };
    if (t.kind === "leftDelim") {
      this.actionLine = t.line;
      try {
        return this.action();
      } finally {
        this.actionLine = 0;
      }
    }
    this.unexpected(t, "input");
  }

  private action(): Node | EndOrElse {
    const t = this.nextNonSpace();
    if (t.kind === "keyword") {
      switch (t.value) {
        case "break":
        case "continue": {
          const close = this.nextNonSpace();
          if (close.kind !== "rightDelim") this.unexpected(close, `{{${t.value}}}`);
          if (this.rangeDepth === 0) this.fail(`{{${t.value}}} outside {{range}}`);
          return { type: t.value, pos: t.pos };
        }
        case "else": {
          const peek = this.peekNonSpace();
          if (peek.kind === "keyword" && (peek.value === "if" || peek.value === "with")) {
            return { type: "else", pos: peek.pos };
          }
          return { type: "else", pos: this.expect("rightDelim", "else").pos };
        }
        case "end":
          return { type: "end", pos: this.expect("rightDelim", "end").pos };
        case "if":
        case "with":
        case "range":
          return this.control(t.value);
        default:
          this.fail(`{{${t.value}}} is not supported in ko templates`);
      }
    }
    this.i--;
    const start = this.peek();
    return { type: "action", pos: start.pos, pipe: this.pipeline("command", "rightDelim") };
  }

  private control(context: "if" | "with" | "range"): BranchNode {
    const mark = this.vars.length;
    try {
      const pipe = this.pipeline(context, "rightDelim");
      if (context === "range") this.rangeDepth++;
      let { list, next } = this.itemList();
      if (context === "range") this.rangeDepth--;
      let elseList: ListNode | undefined;
      if (next.type === "else") {
        const peek = this.peekNonSpace();
        if (
          (context === "if" || context === "with") && peek.kind === "keyword" &&
          peek.value === context
        ) {
          this.nextNonSpace();
          elseList = { type: "list", pos: next.pos, nodes: [this.control(context)] };
        } else {
          ({ list: elseList, next } = this.itemList());
          if (next.type !== "end") this.fail(`expected end; found {{${next.type}}}`);
        }
      }
      return { type: context, pos: pipe.pos, pipe, list, elseList };
    } finally {
      this.vars.length = mark;
    }
  }
}
