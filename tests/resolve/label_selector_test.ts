import { deepEqual, equal, throws } from "node:assert/strict";
import { parseLabelSelector } from "../../src/resolve/label_selector.ts";
import { KoError } from "../../src/util/errors.ts";

const labels = (o: Record<string, string>) => new Map(Object.entries(o));

Deno.test("parseLabelSelector reads every operator into canonical requirements", () => {
  const cases: [string, string][] = [
    ["", ""],
    ["   ", ""],
    ["app=web", "app=web"],
    ["app==web", "app==web"],
    ["app!=web", "app!=web"],
    ["app", "app"],
    ["!app", "!app"],
    ["app in (b,a)", "app in (a,b)"],
    ["app notin (a, b, a)", "app notin (a,b)"],
    ["x>1,y<10", "x>1,y<10"],
    // Requirements are sorted by key, like apimachinery.
    ["tier=db,app=web", "app=web,tier=db"],
    // Whitespace separates tokens and is otherwise ignored (space, tab, CR, LF).
    [" app = web ,\ttier\n!= db ", "app=web,tier!=db"],
    // Values may carry dots, dashes and underscores; keys may have a DNS prefix.
    ["example.com/app-name=v1.2_3-rc", "example.com/app-name=v1.2_3-rc"],
    // in/notin are operators only in operator position: elsewhere they are plain names.
    ["in in (in,notin)", "in in (in,notin)"],
    ["notin=in", "notin=in"],
    // No value after = stands for the empty value.
    ["app=", "app="],
    ["app=,tier", "app=,tier"],
  ];
  for (const [input, canonical] of cases) {
    equal(parseLabelSelector(input).toString(), canonical, JSON.stringify(input));
  }
});

Deno.test("parseLabelSelector treats empty members of a value set as the empty value", () => {
  // apimachinery accepts `()` as the set {""}: valid, and matches only an empty label value.
  const cases: [string, string[]][] = [
    ["a in ()", [""]],
    ["a in (,)", [""]],
    ["a in (,x)", ["", "x"]],
    ["a in (x,)", ["", "x"]],
    ["a in (x,,y)", ["", "x", "y"]],
  ];
  for (const [input, values] of cases) {
    const [req] = parseLabelSelector(input).requirements;
    deepEqual(req?.values, values, input);
  }
  const empty = parseLabelSelector("a in ()");
  equal(empty.matches(labels({ a: "" })), true);
  equal(empty.matches(labels({ a: "x" })), false);
  equal(empty.matches(labels({})), false);
});

Deno.test("LabelSelector.matches follows apimachinery's semantics", () => {
  const web = labels({ app: "web", tier: "frontend", replicas: "3" });
  const unlabelled = labels({});
  const cases: [string, boolean, boolean][] = [
    // selector, matches web, matches an unlabelled object
    ["", true, true],
    ["app=web", true, false],
    ["app==web", true, false],
    ["app=db", false, false],
    ["app!=db", true, true],
    ["app!=web", false, true],
    ["app", true, false],
    ["!app", false, true],
    ["missing", false, false],
    ["!missing", true, true],
    ["app in (web,db)", true, false],
    ["app in (db)", false, false],
    ["app notin (db)", true, true],
    ["app notin (web)", false, true],
    ["app=web,tier=frontend", true, false],
    ["app=web,tier=backend", false, false],
    ["app=web,!tier", false, false],
    ["replicas>2", true, false],
    ["replicas>3", false, false],
    ["replicas<4", true, false],
    ["app>1", false, false], // a non-numeric label never satisfies gt/lt
  ];
  for (const [selector, onWeb, onUnlabelled] of cases) {
    const s = parseLabelSelector(selector);
    equal(s.matches(web), onWeb, `${selector} on web`);
    equal(s.matches(unlabelled), onUnlabelled, `${selector} on unlabelled`);
  }
});

Deno.test("parseLabelSelector rejects malformed selectors with apimachinery's reasons", () => {
  const cases: [string, RegExp][] = [
    [",", /found ',', expected: !, identifier, or 'end of string'/],
    ["a,", /found end of string, expected: identifier after ','/],
    ["a,,b", /found ',', expected: identifier after ','/],
    ["a b", /found 'b', expected: in, notin, =, ==, !=, gt, lt/],
    ["a=b c", /found 'c', expected: ',' or 'end of string'/],
    ["a=(b)", /unable to parse requirement: found '\(', expected: identifier/],
    ["a in b", /found 'b', expected: '\('/],
    ["a in (b", /found end of string, expected: ',' or '\)'/],
    ["a in (b c)", /found 'c', expected: ',' or '\)'/],
    ["a in (=)", /found '=', expected: ',', '\)' or identifier/],
    ["!", /found end of string, expected: identifier/],
    ["!a=b", /found '=', expected: ',' or 'end of string'/],
    ["!=a", /found '!=', expected: !, identifier, or 'end of string'/],
    ["a>=1", /found '=', expected: identifier/],
    ["a>b", /for 'gt', 'lt' operators, the value must be an integer/],
    ["a<", /for 'gt', 'lt' operators, the value must be an integer/],
    ["-a", /invalid label key "-a": name part must consist of alphanumeric/],
    ["a/b/c", /invalid label key "a\/b\/c": a valid label key must consist/],
    ["/a", /invalid label key "\/a": prefix part must be non-empty/],
    ["Example.com/a", /prefix part a lowercase RFC 1123 subdomain/],
    ["a/", /name part must be non-empty/],
    ["a=-b", /invalid value "-b" for key "a": a valid label must be an empty string/],
    ["a in (ok,bad.)", /invalid value "bad\." for key "a"/],
    [`a=${"x".repeat(64)}`, /must be no more than 63 bytes/],
    [`${"k".repeat(64)}`, /name part must be no more than 63 bytes/],
  ];
  for (const [input, message] of cases) {
    throws(() => parseLabelSelector(input), (err: unknown) => {
      if (!(err instanceof KoError)) return false;
      if (!err.message.startsWith(`unable to parse selector ${JSON.stringify(input)}: `)) {
        return false;
      }
      return message.test(err.message);
    }, input);
  }
});
