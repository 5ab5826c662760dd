/**
 * The `yaml` package (YAML 1.2 parsing with source positions, comment- and layout-preserving
 * documents), named here once by its full versioned `npm:` specifier so that the module graph
 * resolves without an import map (from a URL, `deno install` or JSR) and the version is pinned
 * in one place. Import it lazily (`import("../deps/yaml.ts")`) where start-up matters.
 */
import { pinYamlDebugSwitches } from "./yaml_env.ts";

pinYamlDebugSwitches();

export * from "npm:yaml@2.9.1";
