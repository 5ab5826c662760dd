/**
 * The tree of the Go `text/template` subset (see template.ts): Go's node kinds, as the parser
 * (parser.ts, pipeline_parser.ts) builds them and the executor (exec.ts, eval.ts) walks them,
 * and how Go prints them in error messages.
 */

/** A field chain on dot: `.A.B`. */
export interface FieldNode {
  type: "field";
  pos: number;
  ident: string[];
}
/** A variable with an optional field chain: `$`, `$x`, `$x.A`. */
export interface VariableNode {
  type: "variable";
  pos: number;
  ident: string[];
}
/** Fields applied to a term that is not dot or a variable: `(pipeline).A`. */
export interface ChainNode {
  type: "chain";
  pos: number;
  node: ArgNode;
  field: string[];
}
/** A function name. */
export interface IdentifierNode {
  type: "identifier";
  pos: number;
  name: string;
}
/** A number or character constant, with every interpretation Go allows. */
export interface NumberNode {
  type: "number";
  pos: number;
  text: string;
  isInt: boolean;
  int: bigint;
  isUint: boolean;
  isFloat: boolean;
  float: number;
}
/** A string constant; `quoted` is the source text. */
interface StringNode {
  type: "string";
  pos: number;
  quoted: string;
  text: string;
}
/** `true` or `false`. */
interface BoolNode {
  type: "bool";
  pos: number;
  value: boolean;
}
/** `nil`. */
interface NilNode {
  type: "nil";
  pos: number;
}
/** `.`. */
interface DotNode {
  type: "dot";
  pos: number;
}
/** One word of a command. */
export type ArgNode =
  | FieldNode
  | VariableNode
  | ChainNode
  | IdentifierNode
  | NumberNode
  | StringNode
  | BoolNode
  | NilNode
  | DotNode
  | PipeNode;

/** A command: a function or value followed by arguments. */
export interface CommandNode {
  type: "command";
  pos: number;
  args: ArgNode[];
}
/** A pipeline, with the variables it declares (`$x :=`) or assigns (`$x =`). */
export interface PipeNode {
  type: "pipe";
  pos: number;
  line: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
/** Literal text. */
interface TextNode {
  type: "text";
  pos: number;
  text: string;
}
/** `{{pipeline}}`. */
interface ActionNode {
  type: "action";
  pos: number;
  pipe: PipeNode;
}
/** `{{if}}`, `{{with}}` and `{{range}}` with their bodies. */
export interface BranchNode {
  type: "if" | "with" | "range";
  pos: number;
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}
/** `{{break}}` or `{{continue}}` inside a range. */
interface LoopControlNode {
  type: "break" | "continue";
  pos: number;
}
/** A sequence of nodes. */
export interface ListNode {
  type: "list";
  pos: number;
  nodes: Node[];
}
/** A node of the template body. */
export type Node = TextNode | ActionNode | BranchNode | LoopControlNode | ListNode;

/** A node as Go prints it in error messages (`.Env.X`, `index .Env "X"`, `(x).Y`). */
export function nodeString(n: ArgNode | CommandNode | Node): string {
  switch (n.type) {
    case "field":
      return n.ident.map((f) => `.${f}`).join("");
    case "variable":
      return n.ident.join(".");
    case "chain": {
      const base = n.node.type === "pipe" ? `(${nodeString(n.node)})` : nodeString(n.node);
      return base + n.field.map((f) => `.${f}`).join("");
    }
    case "identifier":
      return n.name;
    case "number":
      return n.text;
    case "string":
      return n.quoted;
    case "bool":
      return String(n.value);
    case "nil":
      return "nil";
    case "dot":
      return ".";
    case "command":
      return n.args.map((a) => (a.type === "pipe" ? `(${nodeString(a)})` : nodeString(a))).join(
        " ",
      );
    case "pipe": {
      const decl = n.decl.length
        ? `${n.decl.map((d) => nodeString(d)).join(", ")} ${n.isAssign ? "=" : ":="} `
        : "";
      return decl + n.cmds.map((c) => nodeString(c)).join(" | ");
    }
    case "action":
      return `{{${nodeString(n.pipe)}}}`;
    case "text":
      return n.text;
    case "list":
      return n.nodes.map((x) => nodeString(x)).join("");
    case "break":
    case "continue":
      return `{{${n.type}}}`;
    default: {
      const b = n as BranchNode;
      const els = b.elseList ? `{{else}}${nodeString(b.elseList)}` : "";
      return `{{${b.type} ${nodeString(b.pipe)}}}${nodeString(b.list)}${els}{{end}}`;
    }
  }
}
