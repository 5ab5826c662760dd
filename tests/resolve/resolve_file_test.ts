import { deepEqual, equal, throws } from "node:assert/strict";
import { parse, parseAllDocuments } from "../../src/deps/yaml.ts";
import { parseLabelSelector } from "../../src/resolve/label_selector.ts";
import { prepareFile } from "../../src/resolve/resolve_file.ts";
import { KoError } from "../../src/util/errors.ts";
import { setLogSink, setVerbose } from "../../src/util/log.ts";

const fixture = (name: string) =>
  Deno.readTextFileSync(new URL(`../testdata/resolve/${name}`, import.meta.url));

const published = (ref: string) => `reg.example/${ref.slice("ko://".length)}@sha256:0`;

/** The rewritten file for a selector ("" for none). */
function resolveText(text: string, selector = ""): string {
  return prepareFile("f.yaml", text, selector ? parseLabelSelector(selector) : undefined)
    .render(published).join("");
}

/** metadata.name of each output document; a List shows as `List[names of its items]`. */
function names(output: string): string[] {
  return parseAllDocuments(output).map((d) => {
    const o = d.toJS() as { kind: string; metadata?: { name: string }; items?: unknown[] };
    if (o.kind !== "List") return o.metadata!.name;
    return `List[${(o.items as { metadata: { name: string } }[]).map((i) => i.metadata.name)}]`;
  });
}

Deno.test("prepareFile lists every reference occurrence with its line, and the distinct ones", () => {
  const p = prepareFile("f.yaml", fixture("custom_resource.yaml"));
  deepEqual(p.references, [
    { ref: "ko://example.com/app/cmd/step", line: 8 },
    { ref: "ko://example.com/app/cmd/step", line: 18 },
    { ref: "ko://example.com/app/cmd/nested", line: 19 },
    { ref: "ko://example.com/app/cmd/publisher", line: 23 },
    { ref: "ko://example.com/app/cmd/step", line: 24 },
  ]);
  deepEqual(p.distinct, [
    "ko://example.com/app/cmd/step",
    "ko://example.com/app/cmd/nested",
    "ko://example.com/app/cmd/publisher",
  ]);
});

Deno.test("render replaces references everywhere, aliases and merge keys included", () => {
  const out = parse(resolveText(fixture("custom_resource.yaml")), { merge: true });
  const step = "reg.example/example.com/app/cmd/step@sha256:0";
  equal(out.spec.defaults.image, step);
  equal(out.spec.stages[0].steps[0].image, step); // through <<: *defaults
  deepEqual(out.spec.stages[0].steps[1].matrix.images, [
    step,
    ["reg.example/example.com/app/cmd/nested@sha256:0", "docker.io/library/busybox"],
  ]);
  deepEqual(Object.keys(out.spec.stages[1].images), [
    "reg.example/example.com/app/cmd/publisher@sha256:0",
    step,
  ]);
  deepEqual(out.spec.stages[1].notes, [
    "see ko://example.com/app/cmd/step",
    "plain text mentioning ko://example.com/app/cmd/step",
  ]);
});

Deno.test("render joins kept documents with ---, drops null ones and ends with a line break", () => {
  equal(
    resolveText("---\na: ko://x\n---\n---\n~\n---\nb: 2"),
    "a: reg.example/x@sha256:0\n---\nb: 2\n",
  );
  equal(resolveText("# only a comment\n"), "");
  equal(resolveText(""), "");
});

Deno.test("render keeps a JSON file JSON", () => {
  const out = resolveText(fixture("app.json"));
  const json = JSON.parse(out);
  equal(json.spec.containers[0].image, "reg.example/example.com/app/cmd/web@sha256:0");
  equal(
    out,
    fixture("app.json").replaceAll("ko://", "reg.example/").replace(/(cmd\/\w+)"/g, '$1@sha256:0"'),
  );
});

Deno.test("the selector matrix keeps the right objects and filters Lists in place", () => {
  const text = fixture("selector.yaml");
  const cases: [string, string[]][] = [
    ["", ["web", "db", "unlabelled", "List[web-worker,db-migrate,unlabelled-secret]"]],
    ["app=web", ["web", "List[web-worker]"]],
    ["app==web", ["web", "List[web-worker]"]],
    ["app!=web", ["db", "unlabelled", "List[db-migrate,unlabelled-secret]"]],
    ["tier", ["web", "db", "List[web-worker]"]],
    ["!tier", ["unlabelled", "List[db-migrate,unlabelled-secret]"]],
    ["app in (db)", ["db", "List[db-migrate]"]],
    ["app notin (web,db)", ["unlabelled", "List[unlabelled-secret]"]],
    ["app=web,tier=worker", ["List[web-worker]"]],
    ["app=nothing", []],
  ];
  for (const [selector, expected] of cases) {
    deepEqual(names(resolveText(text, selector)), expected, selector);
  }
});

Deno.test("references in objects the selector drops are not references", () => {
  const p = prepareFile("f.yaml", fixture("selector.yaml"), parseLabelSelector("app=web"));
  deepEqual(p.distinct, ["ko://example.com/app/cmd/web", "ko://example.com/app/cmd/worker"]);
  const none = prepareFile("f.yaml", fixture("selector.yaml"), parseLabelSelector("app=nothing"));
  deepEqual(none.references, []);
});

Deno.test("a selected List keeps its layout and the comments of kept items", () => {
  const out = resolveText(fixture("selector.yaml"), "app=db");
  const list = out.split("---\n")[1]!;
  equal(
    list,
    [
      "apiVersion: v1",
      "kind: List",
      "items:",
      "  # the db migrator",
      "  - apiVersion: batch/v1",
      "    kind: Job",
      "    metadata:",
      "      name: db-migrate",
      "      labels: {app: db}",
      "    spec:",
      "      image: reg.example/example.com/app/cmd/migrate@sha256:0",
      "",
    ].join("\n"),
  );
});

Deno.test("prepareFile names the file and line when the selector meets a non-object", () => {
  throws(
    () =>
      prepareFile(
        "x.yaml",
        "apiVersion: v1\nkind: Pod\n---\n- not an object\n",
        parseLabelSelector("a"),
      ),
    new KoError("error evaluating selector: x.yaml:4: yaml doesn't represent a k8s object"),
  );
  throws(
    () => prepareFile("x.yaml", "apiVersion: v1\nkind: List\nitems: 1\n", parseLabelSelector("a")),
    new KoError("error evaluating selector: x.yaml:1: yaml is not a valid k8s list"),
  );
});

Deno.test("without a selector non-objects pass through", () => {
  equal(resolveText("- ko://a\n- text\n"), "- reg.example/a@sha256:0\n- text\n");
});

Deno.test("prepareFile reports malformed YAML with file, line and column", () => {
  throws(
    () => prepareFile("bad.yaml", "a: 1\nb: [1, 2\n"),
    (err: unknown) => err instanceof KoError && /^bad\.yaml:\d+:\d+: /.test(err.message),
  );
});

Deno.test("a rewrite that would read differently falls back to re-serialising that document", () => {
  // A plain map key longer than 1024 characters cannot stay an implicit key.
  const lines: string[] = [];
  setVerbose(true);
  const restore = setLogSink((line) => lines.push(line));
  try {
    const long = "r".repeat(1100);
    const text = "map:\n  ko://x: v # comment\n  other: 'q'\n---\nuntouched:   1\n";
    const out = prepareFile("f.yaml", text).render(() => long).join("");
    deepEqual(parseAllDocuments(out).map((d) => d.toJS()), [
      { map: { [long]: "v", other: "q" } },
      { untouched: 1 },
    ]);
    equal(out.includes("# comment"), true);
    equal(out.endsWith("---\nuntouched:   1\n"), true); // other documents stay as written
    equal(lines.some((l) => l.includes("reserialising")), true);
  } finally {
    restore();
    setVerbose(false);
  }
});

Deno.test("prepareFile reports a later syntax error before an earlier selector error", () => {
  throws(
    () => prepareFile("bad.yaml", "- 1\n---\nb: c: d\n", parseLabelSelector("app")),
    new KoError("bad.yaml:3:4: nested mappings are not allowed in compact mappings"),
  );
});
