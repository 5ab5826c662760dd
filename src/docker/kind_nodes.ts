/**
 * kind's nodes as kind's own provider reaches them: containers labelled
 * `io.x-k8s.kind.cluster=<cluster>` in the Docker (or podman, nerdctl) the `docker` CLI talks
 * to, minus the external load balancer, and commands run in them with
 * `docker exec --privileged [-i] <node> …`. `KIND_EXPERIMENTAL_PROVIDER` picks podman or
 * nerdctl, as in kind.
 */
import { definedEnv, type Env, lookPath } from "../util/command.ts";
import { KoError } from "../util/errors.ts";
import { debug } from "../util/log.ts";

/** The label kind puts on every node container, valued with the cluster name. */
const CLUSTER_LABEL = "io.x-k8s.kind.cluster";
/** The label holding a node's role (`control-plane`, `worker`, `external-load-balancer`). */
const ROLE_LABEL = "io.x-k8s.kind.role";
/** kind's default cluster name. */
const DEFAULT_CLUSTER = "kind";

/** What finished command produced. */
interface NodeCommandResult {
  readonly code: number;
  /** stdout and stderr together, as kind's node commands collect them. */
  readonly output: string;
}

/** The container CLI kind's nodes live in. */
export class KindProvider {
  private constructor(
    /** `docker`, `podman` or `nerdctl`. */
    readonly cli: string,
    private readonly path: string,
    private readonly env: Env,
  ) {}

  /** The provider for the environment: `KIND_EXPERIMENTAL_PROVIDER`, else docker. */
  static fromEnv(env: Env): KindProvider {
    const cli = env.KIND_EXPERIMENTAL_PROVIDER || "docker";
    if (!["docker", "podman", "nerdctl"].includes(cli)) {
      throw new KoError(
        `unknown KIND_EXPERIMENTAL_PROVIDER ${
          JSON.stringify(cli)
        }: expected docker, podman or nerdctl`,
      );
    }
    const path = lookPath(cli, env);
    if (!path) {
      throw new KoError(
        `kind.local needs the ${cli} CLI to reach kind's nodes, but ${cli} is not on PATH`,
      );
    }
    return new KindProvider(cli, path, env);
  }

  /** The cluster whose nodes ko loads into: `KIND_CLUSTER_NAME`, else `kind`. */
  static clusterName(env: Env): string {
    return env.KIND_CLUSTER_NAME || DEFAULT_CLUSTER;
  }

  /**
   * The control-plane and worker nodes of a cluster, sorted by name; a cluster without any is
   * `no nodes found for cluster "<name>"`.
   */
  async internalNodes(cluster: string, signal?: AbortSignal): Promise<string[]> {
    const ps = await this.run(
      ["ps", "-a", "--filter", `label=${CLUSTER_LABEL}=${cluster}`, "--format", "{{.Names}}"],
      { signal },
    );
    if (ps.code !== 0) {
      throw new KoError(`listing kind nodes with ${this.cli} ps: ${oneLine(ps.output)}`);
    }
    const names = ps.output.split("\n").map((l) => l.trim()).filter((l) => l !== "").sort();
    const nodes: string[] = [];
    if (names.length > 0) {
      const roles = await this.run(
        ["inspect", "--format", `{{index .Config.Labels "${ROLE_LABEL}"}}`, ...names],
        { signal },
      );
      if (roles.code !== 0) {
        throw new KoError(`inspecting kind nodes with ${this.cli}: ${oneLine(roles.output)}`);
      }
      const lines = roles.output.split("\n").map((l) => l.trim());
      names.forEach((n, i) => {
        if (lines[i] !== "external-load-balancer") nodes.push(n);
      });
    }
    if (nodes.length === 0) {
      throw new KoError(
        `no nodes found for cluster ${JSON.stringify(cluster)} (no container labelled ` +
          `${CLUSTER_LABEL}=${cluster} in ${this.cli} ps -a): create it with "kind create cluster", ` +
          "or set KIND_CLUSTER_NAME",
      );
    }
    debug(`kind cluster ${cluster}: nodes ${nodes.join(", ")}`);
    return nodes;
  }

  /** Runs a command in a node (`<cli> exec --privileged [-i] <node> <args…>`). */
  exec(
    node: string,
    args: readonly string[],
    opts: { stdin?: ReadableStream<Uint8Array>; signal?: AbortSignal } = {},
  ): Promise<NodeCommandResult> {
    const execArgs = ["exec", "--privileged", ...(opts.stdin ? ["-i"] : []), node, ...args];
    return this.run(execArgs, opts);
  }

  /** Runs the CLI, feeding `stdin` if given, collecting stdout and stderr together. */
  async run(
    args: readonly string[],
    opts: { stdin?: ReadableStream<Uint8Array>; signal?: AbortSignal } = {},
  ): Promise<NodeCommandResult> {
    debug(`$ ${this.cli} ${args.join(" ")}`);
    const child = new Deno.Command(this.path, {
      args: [...args],
      env: definedEnv(this.env),
      clearEnv: true,
      stdin: opts.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      ...(opts.signal ? { signal: opts.signal } : {}),
    }).spawn();
    const chunks: Uint8Array[] = [];
    const collect = async (s: ReadableStream<Uint8Array>) => {
      for await (const c of s) chunks.push(c);
    };
    const feeding = opts.stdin
      ? opts.stdin.pipeTo(child.stdin).catch((e: unknown) => e)
      : Promise.resolve(undefined);
    const [status] = await Promise.all([
      child.status,
      collect(child.stdout),
      collect(child.stderr),
    ]);
    const fed = await feeding;
    opts.signal?.throwIfAborted();
    const output = new TextDecoder().decode(await new Blob(chunks as BlobPart[]).bytes());
    if (fed instanceof Error && status.code === 0) {
      throw new KoError(`writing to ${this.cli} ${args[0]}: ${fed.message}`, { cause: fed });
    }
    return { code: status.code, output };
  }
}

/** Output squeezed onto one line for an error message (last 500 characters). */
export function oneLine(output: string): string {
  const s = output.trim().split(/\s*\n\s*/).join("; ");
  return s.length > 500 ? `…${s.slice(-500)}` : s;
}
