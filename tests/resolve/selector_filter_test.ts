import { deepEqual, equal, throws } from "node:assert/strict";
import { parseDocument } from "../../src/deps/yaml.ts";
import { parseLabelSelector } from "../../src/resolve/label_selector.ts";
import { selectDocument, SelectorMatchError } from "../../src/resolve/selector_filter.ts";
import { applyEdits } from "../../src/resolve/text_edits.ts";
import { PARSE_OPTIONS } from "../../src/resolve/yaml_stream.ts";

/** Runs the selector on one document; returns null if dropped, else the edited text. */
function select(text: string, selector: string): string | null {
  const doc = parseDocument(text, PARSE_OPTIONS);
  const selection = selectDocument(doc, text, parseLabelSelector(selector));
  if (!selection.keep) return null;
  equal(selection.reserialize, false);
  return applyEdits(text, 0, text.length, selection.removals);
}

const POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    app: web\n";

Deno.test("selectDocument keeps objects whose metadata.labels match", () => {
  equal(select(POD, "app=web"), POD);
  equal(select(POD, "app!=web"), null);
  equal(select(POD, "app"), POD);
  equal(select(POD, "!app"), null);
});

Deno.test("selectDocument treats missing or non-mapping labels as no labels", () => {
  const bare = "apiVersion: v1\nkind: Pod\n";
  equal(select(bare, "!app"), bare);
  equal(select(bare, "app"), null);
  const odd = "apiVersion: v1\nkind: Pod\nmetadata:\n  labels: [app]\n";
  equal(select(odd, "!app"), odd);
});

Deno.test("selectDocument reads label values as written (numbers, booleans, empty)", () => {
  const text = "apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {n: 010, b: true, e: }\n";
  equal(select(text, "n=010,b=true,e="), text);
});

Deno.test("selectDocument drops documents with an empty kind, errors on non-objects", () => {
  equal(select("apiVersion: v1\nkind: ''\n", "!app"), null);
  for (
    const text of [
      "- a\n",
      "just text\n",
      "kind: Pod\n",
      "apiVersion: v1\n",
      "apiVersion: 1\nkind: Pod\n",
    ]
  ) {
    throws(
      () => select(text, "app"),
      new SelectorMatchError("yaml doesn't represent a k8s object", 0),
    );
  }
});

Deno.test("selectDocument needs a List's items to be a sequence of objects", () => {
  throws(() => select("apiVersion: v1\nkind: List\n", "a"), /yaml is not a valid k8s list/);
  throws(
    () => select("apiVersion: v1\nkind: List\nitems: {}\n", "a"),
    /yaml is not a valid k8s list/,
  );
  throws(
    () => select("apiVersion: v1\nkind: List\nitems:\n- 3\n", "a"),
    (err: unknown) => err instanceof SelectorMatchError && err.offset === 35,
  );
});

Deno.test("selectDocument drops an empty List: no item matches", () => {
  equal(select("apiVersion: v1\nkind: List\nitems: []\n", "!app"), null);
});

const LIST = `apiVersion: v1
kind: List
items:
  # web
  - apiVersion: v1
    kind: Pod
    metadata: {labels: {app: web}}
    # still web
  # db
  - apiVersion: v1
    kind: Pod
    metadata: {labels: {app: db}}
  - apiVersion: v1
    kind: Pod   # none
metadata: {}
`;

Deno.test("selectDocument filters a block List in place, each item with its comments", () => {
  equal(select(LIST, "app"), LIST.replace("  - apiVersion: v1\n    kind: Pod   # none\n", ""));
  equal(
    select(LIST, "app=db"),
    "apiVersion: v1\nkind: List\nitems:\n  # db\n  - apiVersion: v1\n    kind: Pod\n" +
      "    metadata: {labels: {app: db}}\nmetadata: {}\n",
  );
  equal(
    select(LIST, "!app"),
    "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Pod   # none\nmetadata: {}\n",
  );
  equal(select(LIST, "app in (web,db)")?.includes("# none"), false);
  equal(select(LIST, "app=nothing"), null);
  equal(select(LIST, "app in (web,db),!x"), select(LIST, "app"));
});

Deno.test("selectDocument filters a flow (JSON) List in place without dangling commas", () => {
  const items = [
    '{"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {"app": "a"}}}',
    '{"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {"app": "b"}}}',
    '{"apiVersion": "v1", "kind": "Pod", "metadata": {"labels": {"app": "c"}}}',
  ];
  const json = (kept: string[]) =>
    `{"apiVersion": "v1", "kind": "List", "items": [\n  ${kept.join(",\n  ")}\n]}\n`;
  const text = json(items);
  equal(select(text, "app=a"), json([items[0]!]));
  equal(select(text, "app=b"), json([items[1]!]));
  equal(select(text, "app=c"), json([items[2]!]));
  equal(select(text, "app!=b"), json([items[0]!, items[2]!]));
  equal(select(text, "app in (b,c)"), json([items[1]!, items[2]!]));
  equal(select(text, "app"), text);
});

Deno.test("selectDocument removes filtered items from the document tree too", () => {
  const doc = parseDocument(LIST, PARSE_OPTIONS);
  selectDocument(doc, LIST, parseLabelSelector("app=db"));
  deepEqual(
    (doc.toJS().items as { metadata: unknown }[]).map((i) => i.metadata),
    [{ labels: { app: "db" } }],
  );
});
