/**
 * The executor of the Go `text/template` subset: walks a tree from parser.ts, writing text and
 * the values of actions (evaluated by eval.ts), and runs `if`, `with` and `range` with
 * `break`/`continue` the way Go does.
 */
import { Evaluator } from "./eval.ts";
import { formatValue } from "./fmt.ts";
import type { BranchNode, ListNode, Node } from "./nodes.ts";
import { isTrue, kindOf, sortedKeys } from "./values.ts";

const BREAK = Symbol("break");
const CONTINUE = Symbol("continue");

/** Runs a parsed template over data and returns the output; throws TemplateError. */
export function executeTree(name: string, text: string, root: ListNode, data: unknown): string {
  return new Executor(name, text, data).run(root);
}

class Executor extends Evaluator {
  private out = "";

  run(root: ListNode): string {
    this.walk(this.vars[0]!.value, root);
    return this.out;
  }

  private walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.type) {
      case "text":
        this.out += node.text;
        return;
      case "action": {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) {
          this.at(node);
          this.out += kindOf(val) === "invalid" ? "<no value>" : formatValue(val);
        }
        return;
      }
      case "list":
        for (const n of node.nodes) this.walk(dot, n);
        return;
      case "if":
      case "with":
        return this.walkIfOrWith(dot, node);
      case "range":
        return this.walkRange(dot, node);
      case "break":
        throw BREAK;
      case "continue":
        throw CONTINUE;
    }
  }

  private walkIfOrWith(dot: unknown, node: BranchNode): void {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (isTrue(val)) this.walk(node.type === "with" ? val : dot, node.list);
      else if (node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(dot: unknown, node: BranchNode): void {
    this.at(node);
    const outer = this.mark();
    try {
      const val = this.evalPipeline(dot, node.pipe);
      const mark = this.mark();
      const decl = node.pipe.decl;
      const one = (index: unknown, elem: unknown): boolean => {
        if (decl.length > 0) {
          if (node.pipe.isAssign) this.setVar(decl[0]!.ident[0]!, decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (node.pipe.isAssign) this.setVar(decl[1]!.ident[0]!, elem);
          else this.setTopVar(2, index);
        }
        try {
          this.walk(elem, node.list);
        } catch (e) {
          if (e === BREAK) return false;
          if (e !== CONTINUE) throw e;
        } finally {
          this.pop(mark);
        }
        return true;
      };
      let ran = false;
      switch (kindOf(val)) {
        case "slice": {
          const items = val as unknown[];
          for (let i = 0; i < items.length; i++) {
            ran = true;
            if (!one(i, items[i])) break;
          }
          break;
        }
        case "map": {
          const m = val as Record<string, unknown>;
          for (const k of sortedKeys(m)) {
            ran = true;
            if (!one(k, m[k])) break;
          }
          break;
        }
        case "int": {
          if (decl.length > 1) {
            this.fail(`can't use ${formatValue(val)} to iterate over more than one variable`);
          }
          const n = Number(val);
          for (let i = 0; i < n; i++) {
            ran = true;
            if (!one(undefined, i)) break;
          }
          break;
        }
        case "invalid":
          break;
        default:
          this.fail(`range can't iterate over ${formatValue(val)}`);
      }
      if (!ran && node.elseList) this.walk(dot, node.elseList);
    } finally {
      this.pop(outer);
    }
  }
}
