/**
 * Differential test against the real thing: apimachinery's labels.Parse, built with `go build`
 * from tests/testdata/resolve/selector_oracle (module k8s.io/apimachinery, fetched through the
 * Go module proxy or taken from the module cache).
 */
import { deepEqual } from "node:assert/strict";
import { parseLabelSelector } from "../../src/resolve/label_selector.ts";

interface Answer {
  sel: string;
  err?: string;
  str: string;
  matches: boolean[];
}

const LABEL_SETS: Record<string, string>[] = [
  {},
  { app: "web", tier: "frontend", n: "3" },
  { app: "", x: "in" },
  { a: "b", in: "notin", "example.com/a": "b" },
];

const HAND_PICKED = [
  "",
  " ",
  "a",
  "!a",
  "a=b",
  "a==b",
  "a!=b",
  "a in (b)",
  "a notin (b)",
  "a in ()",
  "a in (,)",
  "a in (,b)",
  "a in (b,)",
  "a in (b,,c)",
  "a>1",
  "a<1",
  "a>-1",
  "a>+1",
  "n>2",
  "n<4",
  "a>",
  "a=",
  "a=,b",
  ",",
  "a,",
  "a b",
  "in in (in)",
  "notin=in",
  "!in",
  "a=(b)",
  "a in b",
  "a in (b",
  "!",
  "!a=b",
  "!=a",
  "a>=1",
  "a=!b",
  "-a",
  "a/b/c",
  "/a",
  "a/",
  "Example.com/a",
  "example.com/a=b",
  "a=-b",
  "x=" + "y".repeat(64),
  "k".repeat(64),
  "a in(b)",
  "a\tin\t(b)",
  "a\nin\r\n(b)",
  "a=b,c!=d,!e,f in (g),h notin (i)",
  "a!==b",
  "a===b",
  "a=b=c",
  "!!a",
  "! a",
  "a>99999999999999999999",
  "a<9223372036854775807",
  "app in (web,db),tier",
];

/** Deterministic pseudo-random selectors from a small alphabet of tokens and fragments. */
function generated(count: number): string[] {
  const alphabet = ["a", "b", "in", "notin", "=", "==", "!=", "!", "(", ")", ",", " ", ">", "<"];
  alphabet.push("x.y", "-", "/", "app", "web", "\t", "1");
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let s = "";
    for (let n = 1 + Math.floor(next() * 7); n > 0; n--) {
      s += alphabet[Math.floor(next() * alphabet.length)];
    }
    out.push(s);
  }
  return out;
}

async function askApimachinery(selectors: string[]): Promise<Answer[]> {
  const dir = await Deno.makeTempDir({ prefix: "ko-selector-oracle-" });
  try {
    const src = new URL("../testdata/resolve/selector_oracle", import.meta.url).pathname;
    const build = await new Deno.Command("go", {
      args: ["build", "-C", src, "-o", `${dir}/oracle`, "."],
      env: { GOWORK: "off", GOFLAGS: "-mod=mod" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!build.success) {
      throw new Error(`go build of the oracle failed: ${new TextDecoder().decode(build.stderr)}`);
    }
    const child = new Deno.Command(`${dir}/oracle`, { stdin: "piped", stdout: "piped" }).spawn();
    const output = child.output(); // read while writing: the answers are larger than a pipe
    const writer = child.stdin.getWriter();
    const lines = selectors.map((sel) => JSON.stringify({ sel, labels: LABEL_SETS }) + "\n");
    await writer.write(new TextEncoder().encode(lines.join("")));
    await writer.close();
    const r = await output;
    if (!r.success) throw new Error("selector oracle failed");
    return new TextDecoder().decode(r.stdout).trim().split("\n").map((l) => JSON.parse(l));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("parseLabelSelector agrees with apimachinery's labels.Parse on 2,000+ selectors", async () => {
  const selectors = [...new Set([...HAND_PICKED, ...generated(3000)])];
  const answers = await askApimachinery(selectors);
  const mismatches: string[] = [];
  for (const go of answers) {
    let ours: Omit<Answer, "sel">;
    try {
      const s = parseLabelSelector(go.sel);
      ours = {
        str: s.toString(),
        matches: LABEL_SETS.map((l) => s.matches(new Map(Object.entries(l)))),
      };
    } catch (err) {
      ours = { err: (err as Error).message, str: "", matches: [] };
    }
    const agree = go.err !== undefined
      ? ours.err !== undefined
      : ours.err === undefined && ours.str === go.str &&
        JSON.stringify(ours.matches) === JSON.stringify(go.matches);
    if (!agree) mismatches.push(`${JSON.stringify(go)} vs ${JSON.stringify(ours)}`);
  }
  deepEqual(mismatches, []);
  deepEqual(answers.length, selectors.length);
});
