/**
 * Go's own text/template as a test oracle: builds tests/testdata/gotemplate/template_oracle once
 * per process (real `go build`, standard library only) and runs templates through it the way
 * ko does (`missingkey=error`) against the data set that {@link oracleData} mirrors.
 */
import { GoFloat, stringMap } from "../../src/gotemplate/template.ts";
import { runGoProgram } from "../helpers/go_program.ts";

/** What Go produced for one template: its output, or its error message. */
export type OracleResult = { out: string } | { err: string };

const ORACLE = new URL("../testdata/gotemplate/template_oracle/main.go", import.meta.url);

/** Runs every template through Go; one result per template, in order. */
export async function goExecute(templates: readonly string[]): Promise<OracleResult[]> {
  const stdout = await runGoProgram(ORACLE, JSON.stringify(templates));
  const lines = stdout.split("\n").filter((l) => l !== "");
  return lines.map((l) => JSON.parse(l) as OracleResult);
}

/** The data the Go oracle executes against, as our interpreter sees it. */
export function oracleData(): Record<string, unknown> {
  return {
    Env: stringMap({
      LDFLAGS: "",
      HOME: "/home/ko",
      A: "alpha",
      EMPTY: "",
      NUM: "42",
      GOFLAGS: "-mod=mod",
      PCT: "100%",
      SPACES: "a b  c",
    }),
    GoEnv: stringMap({ GOOS: "linux", GOARCH: "arm64", GOVERSION: "go1.26.8", CGO_ENABLED: "0" }),
    Git: {
      Branch: "main",
      Tag: "v1.2.3",
      ShortCommit: "0123abc",
      FullCommit: "0123abcdef0123abcdef0123abcdef0123abcdef",
      CommitDate: "2024-02-03T04:05:06Z",
      CommitTimestamp: 1706933106n,
      IsDirty: true,
      IsClean: false,
      TreeState: "dirty",
    },
    Date: "2024-02-03T04:05:06Z",
    Timestamp: 1706933106n,
    List: ["x", "y", "z"],
    Nums: [3, 1, 2],
    EmptyList: [],
    Map: { b: 2, a: "one", c: true },
    EmptyMap: {},
    Float: new GoFloat(2.5),
    Zero: 0,
    Yes: true,
    No: false,
    Unicode: "héllo wörld",
  };
}
