/** `-W, --watch` of build, resolve and apply. */
import type { WatchFlag } from "../../commands/options.ts";
import type { KoCommand } from "../ko_command.ts";

/** Declares `-W, --watch` on a command. */
export function addWatchOption(cmd: KoCommand): void {
  cmd.flag({
    names: "-W, --watch",
    kind: "bool",
    description:
      "Keep running: rebuild the images whose Go sources, go.mod or kodata change (and re-print, re-resolve or re-apply); Ctrl-C stops",
  });
}

/** Reads `--watch`; false on a command that does not declare it. */
export function readWatchOption(cmd: KoCommand): WatchFlag {
  const declared = cmd.options.some((o) => o.longName() === "watch");
  return { watch: declared && cmd.flagValue<boolean>("watch") };
}
