/**
 * Evaluation for the executor (exec.ts): pipelines, commands, field chains on maps,
 * variables, constants and builtin calls over values.ts data with `missingkey=error`,
 * following Go's evaluation rules and error texts
 * (`template: <name>:<line>:<col>: executing "<name>" at <<node>>: …`).
 */
import { type Builtin, BuiltinError, BUILTINS, type ParamType } from "./builtins.ts";
import { TemplateError } from "./error.ts";
import {
  type ArgNode,
  type ChainNode,
  type CommandNode,
  type FieldNode,
  type IdentifierNode,
  type Node,
  nodeString,
  type NumberNode,
  type PipeNode,
  type VariableNode,
} from "./nodes.ts";
import { GoFloat, isStringMap, isTrue, kindOf, typeName } from "./values.ts";

const MISSING = Symbol("missing");
type Final = unknown | typeof MISSING;

type Positioned = { pos: number; type: string };

/**
 * The state of one execution that evaluation needs: the variables in scope and the node that
 * errors are reported at. The executor extends it with the walk over the template body.
 */
export class Evaluator {
  protected vars: { name: string; value: unknown }[];
  private node: Positioned | undefined;

  constructor(
    private readonly name: string,
    private readonly text: string,
    data: unknown,
  ) {
    this.vars = [{ name: "$", value: data }];
  }

  // Errors.

  protected at(node: Positioned): void {
    this.node = node;
  }

  protected fail(message: string): never {
    if (!this.node) throw new TemplateError(`template: ${this.name}: ${message}`);
    const before = this.text.slice(0, this.node.pos);
    const nl = before.lastIndexOf("\n");
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = new TextEncoder().encode(before.slice(nl + 1)).length;
    const context = nodeString(this.node as Node);
    throw new TemplateError(
      `template: ${this.name}:${line}:${col}: executing ${
        JSON.stringify(this.name)
      } at <${context}>: ${message}`,
    );
  }

  // Variables.

  protected mark(): number {
    return this.vars.length;
  }
  protected pop(mark: number): void {
    this.vars.length = mark;
  }
  protected setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.fail(`undefined variable: ${name}`);
  }
  protected setTopVar(n: number, value: unknown): void {
    this.vars[this.vars.length - n]!.value = value;
  }
  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) return this.vars[i]!.value;
    }
    this.fail(`undefined variable: ${name}`);
  }

  // Pipelines and commands.

  protected evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0]!, value);
      else this.vars.push({ name: v.ident[0]!, value });
    }
    return value;
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING) {
      this.fail(`can't give argument to non-function ${nodeString(args[0]!)}`);
    }
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: Final): unknown {
    const first = cmd.args[0]!;
    switch (first.type) {
      case "field":
        return this.evalFieldNode(dot, first, cmd.args, final);
      case "chain":
        return this.evalChainNode(dot, first, cmd.args, final);
      case "identifier":
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case "pipe":
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case "variable":
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case "bool":
        return first.value;
      case "dot":
        return dot;
      case "nil":
        this.fail("nil is not a command");
        break;
      case "number":
        return this.idealConstant(first);
      case "string":
        return first.text;
    }
    this.fail(`can't evaluate command ${JSON.stringify(nodeString(first))}`);
  }

  private idealConstant(n: NumberNode): unknown {
    this.at(n);
    const hexInt = /^[+-]?0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    if (n.isFloat && !hexInt && !n.text.startsWith("'") && /[.eEpP]/.test(n.text)) {
      return new GoFloat(n.float);
    }
    if (n.isInt) {
      return n.int >= BigInt(Number.MIN_SAFE_INTEGER) && n.int <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(n.int)
        : n.int;
    }
    if (n.isUint) this.fail(`${n.text} overflows int`);
    return undefined;
  }

  private evalFieldNode(dot: unknown, field: FieldNode, args: ArgNode[], final: Final): unknown {
    this.at(field);
    return this.evalFieldChain(dot, field, field.ident, args, final);
  }

  private evalChainNode(dot: unknown, chain: ChainNode, args: ArgNode[], final: Final): unknown {
    this.at(chain);
    if (chain.node.type === "nil") {
      this.fail(`indirection through explicit nil in ${nodeString(chain)}`);
    }
    const receiver = this.evalArg(dot, "any", chain.node);
    return this.evalFieldChain(receiver, chain, chain.field, args, final);
  }

  private evalVariableNode(
    _dot: unknown,
    v: VariableNode,
    args: ArgNode[],
    final: Final,
  ): unknown {
    this.at(v);
    const value = this.varValue(v.ident[0]!);
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(value, v, v.ident.slice(1), args, final);
  }

  private evalFieldChain(
    receiver: unknown,
    _node: Positioned,
    ident: string[],
    args: ArgNode[],
    final: Final,
  ): unknown {
    // A value looked up in a map[string]interface {} has that static type in Go's messages.
    let cur = receiver;
    let viaInterface = false;
    for (let i = 0; i < ident.length - 1; i++) {
      const fromAnyMap = kindOf(cur) === "map" && !isStringMap(cur);
      cur = this.evalField(ident[i]!, [], MISSING, cur, viaInterface);
      viaInterface = fromAnyMap;
    }
    return this.evalField(ident.at(-1)!, args, final, cur, viaInterface);
  }

  private evalField(
    name: string,
    args: ArgNode[],
    final: Final,
    receiver: unknown,
    viaInterface: boolean,
  ): unknown {
    const kind = kindOf(receiver);
    if (kind === "invalid") this.fail(`nil data; no entry for key ${JSON.stringify(name)}`);
    if (kind === "map") {
      if (args.length > 1 || final !== MISSING) {
        this.fail(`${name} is not a method but has arguments`);
      }
      const m = receiver as Record<string, unknown>;
      if (!Object.hasOwn(m, name)) this.fail(`map has no entry for key ${JSON.stringify(name)}`);
      return m[name];
    }
    this.fail(
      `can't evaluate field ${name} in type ${viaInterface ? "interface {}" : typeName(receiver)}`,
    );
  }

  // Functions.

  private evalFunction(
    dot: unknown,
    node: IdentifierNode,
    cmd: Positioned,
    args: ArgNode[] | undefined,
    final: Final,
  ): unknown {
    this.at(node);
    const fn = BUILTINS[node.name];
    if (!fn) this.fail(`${JSON.stringify(node.name)} is not a defined function`);
    return this.evalCall(dot, fn, cmd, node.name, args, final);
  }

  private evalCall(
    dot: unknown,
    fn: Builtin,
    node: Positioned,
    name: string,
    allArgs: ArgNode[] | undefined,
    final: Final,
  ): unknown {
    const args = allArgs ? allArgs.slice(1) : [];
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    const numFixed = fn.fixed.length;
    if (fn.variadic) {
      if (numIn < numFixed) {
        this.fail(`wrong number of args for ${name}: want at least ${numFixed} got ${args.length}`);
      }
    } else if (numIn !== numFixed) {
      this.fail(`wrong number of args for ${name}: want ${numFixed} got ${numIn}`);
    }
    const paramType = (i: number): ParamType => fn.fixed[i] ?? fn.variadic!;

    if (name === "and" || name === "or") {
      let v: unknown;
      for (const a of args) {
        v = this.evalArg(dot, "value", a);
        if (isTrue(v) === (name === "or")) return v;
      }
      if (final !== MISSING) v = this.validateType(final, "value");
      return v;
    }

    const argv: unknown[] = args.map((a, i) => this.evalArg(dot, paramType(i), a));
    if (final !== MISSING) argv.push(this.validateType(final, paramType(args.length)));
    if (name === "call") argv.unshift(args[0] ? nodeString(args[0]) : "");
    try {
      return fn.fn!(...argv);
    } catch (e) {
      if (!(e instanceof BuiltinError)) throw e;
      this.at(node);
      this.fail(`error calling ${name}: ${e.message}`);
    }
  }

  private validateType(value: unknown, typ: ParamType): unknown {
    if (kindOf(value) === "invalid") {
      if (typ !== "string") return null;
      this.fail("invalid value; expected string");
    }
    if (typ === "string" && typeof value !== "string") {
      this.fail(`wrong type for value; expected string; got ${typeName(value)}`);
    }
    return value;
  }

  private evalArg(dot: unknown, typ: ParamType, n: ArgNode): unknown {
    this.at(n);
    switch (n.type) {
      case "dot":
        return this.validateType(dot, typ);
      case "nil":
        if (typ !== "string") return null;
        this.fail("cannot assign nil to string");
        break;
      case "field":
        return this.validateType(this.evalFieldNode(dot, n, [n], MISSING), typ);
      case "variable":
        return this.validateType(this.evalVariableNode(dot, n, [n], MISSING), typ);
      case "pipe":
        return this.validateType(this.evalPipeline(dot, n), typ);
      case "identifier":
        return this.validateType(this.evalFunction(dot, n, n, undefined, MISSING), typ);
      case "chain":
        return this.validateType(this.evalChainNode(dot, n, [], MISSING), typ);
    }
    if (typ === "string") {
      if (n.type === "string") return n.text;
      this.fail(`expected string; found ${nodeString(n)}`);
    }
    switch (n.type) {
      case "bool":
        return n.value;
      case "number":
        return this.idealConstant(n);
      case "string":
        return n.text;
    }
  }
}
