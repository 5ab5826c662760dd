/** The `--kubeconfig` flag of the verbs that run kubectl (apply, create, run). */
import type { KoCommand } from "../ko_command.ts";
import type { KubeconfigOptions } from "../../commands/options.ts";

/** Declares `--kubeconfig` on a command. */
export function addKubeconfigOptions(cmd: KoCommand): void {
  cmd.flag({
    names: "--kubeconfig",
    kind: "string",
    complete: "file",
    description: "Path to the kubeconfig file kubectl should use",
  });
}

/** Reads the kubeconfig flag. */
export function readKubeconfigOptions(cmd: KoCommand): KubeconfigOptions {
  return { kubeconfig: cmd.flagValue<string>("kubeconfig") };
}
