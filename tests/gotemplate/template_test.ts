import { ok } from "node:assert/strict";
import { parseTemplate, TemplateError } from "../../src/gotemplate/template.ts";
import { goExecute, oracleData, type OracleResult } from "./go_template_oracle.ts";

/** Parses and runs a template in one step. */
function executeTemplate(name: string, text: string, data: unknown): string {
  return parseTemplate(name, text).execute(data);
}

/**
 * Every template here runs through our interpreter and through Go's text/template (built from
 * tests/testdata/gotemplate/template_oracle) against the same data; outputs and error messages
 * must be identical.
 */
const CASES: Record<string, string[]> = {
  "text and trim markers": [
    "",
    "plain text",
    'a {{- " b " -}} c',
    "a  {{- .Env.A}}",
    "{{.Env.A -}}   \n  b",
    "x{{/* a comment */}}y",
    "x {{- /* trimmed comment */ -}} y",
    "{{/* multi\nline */}}z",
    "{{-3}}",
    "{{- 3}}",
    "{{3 -}}",
    "{{ 3 }}",
    "a\n{{ .Env.A }}\nb",
    "{{\n.Env.A\n}}",
  ],
  "fields on maps": [
    "{{.Env.HOME}}",
    "{{.Env.LDFLAGS}}",
    "-X main.version={{.Git.Tag}} -X main.commit={{.Git.ShortCommit}}",
    "{{.Git.FullCommit}} {{.Git.Branch}} {{.Git.CommitDate}} {{.Git.CommitTimestamp}}",
    "{{.Git.IsDirty}} {{.Git.IsClean}} {{.Git.TreeState}}",
    "{{.GoEnv.GOOS}}/{{.GoEnv.GOARCH}}",
    "{{.Date}} {{.Timestamp}}",
    "{{.Env}}",
    "{{.Map}} {{.List}} {{.Nums}} {{.EmptyList}} {{.EmptyMap}}",
    "{{.Float}} {{.Zero}} {{.Yes}} {{.No}} {{.Unicode}}",
    "{{.Env.NOPE}}",
    "{{.NOPE}}",
    "{{.Git.Nope}}",
    "{{.Env.HOME.X}}",
    "{{.Date.Year}}",
    "{{.Env.HOME 1}}",
    "{{ (.Git).Tag }}",
    '{{ (index . "Git").Branch }}',
    "{{ $.Git.Tag }}",
    "{{ . }}",
  ],
  "variables": [
    "{{ $v := .Git.Tag }}{{ $v }}",
    "{{ $v := 1 }}{{ $v = 2 }}{{ $v }}",
    "{{ $x }}",
    "{{ $v := .Git }}{{ $v.Branch }}-{{ $v.Tag }}",
    "{{ if true }}{{ $v := 1 }}{{ end }}{{ $v }}",
    "{{ $v := 1 }}{{ if true }}{{ $v = 2 }}{{ end }}{{ $v }}",
    "{{ $ }}",
    '{{ $v := "a" }}{{ $v | printf "%s-%s" "b" }}',
    "{{ $a, $b := 1 }}",
  ],
  "pipelines and calls": [
    '{{ .Git.Tag | printf "%s" }}',
    '{{ .Env.A | printf "%s:%s" "x" }}',
    '{{ "a" | print }}',
    '{{ printf "%d-%s" 3 "b" | printf "[%s]" }}',
    '{{ (printf "%s" .Git.Tag) }}',
    '{{ len (printf "%s" .Env.A) }}',
    "{{ .Env.A | len }}",
    "{{ 3 | 4 }}",
    "{{ . | .Env.A }}",
    "{{ nope }}",
    "{{ nil }}",
    "{{ printf }}",
    "{{ len }}",
    "{{ len 1 2 }}",
    "{{ .Env.A | }}",
    "{{ | .Env.A }}",
    "{{ (1 }}",
    "{{ 1) }}",
    '{{ "x".Foo }}',
    "{{ 3 4 }}",
  ],
  "if / else": [
    "{{ if .Git.IsDirty }}dirty{{ else }}clean{{ end }}",
    "{{ if .Git.IsClean }}clean{{ else }}dirty{{ end }}",
    '{{ if eq .Git.TreeState "dirty" }}-dirty{{ end }}',
    "{{ if .Env.EMPTY }}x{{ else if .Env.A }}a{{ else }}z{{ end }}",
    "{{ if .No }}1{{ else if .Zero }}2{{ else if .EmptyList }}3{{ else if .EmptyMap }}4{{ else }}5{{ end }}",
    "{{ if .Map }}m{{ end }}{{ if .List }}l{{ end }}{{ if .Float }}f{{ end }}",
    "{{ if and .Git.IsDirty .Env.A }}both{{ end }}",
    "{{ if or .Env.EMPTY .Env.A }}{{ or .Env.EMPTY .Env.A }}{{ end }}",
    '{{ and 1 0 2 }} {{ and 1 2 }} {{ or 0 "" }} {{ or 0 3 4 }}',
    "{{ not .Yes }} {{ not .Zero }} {{ not .Env.A }}",
    '{{ if not (eq .GoEnv.GOARCH "amd64") }}non-amd64{{ end }}',
    "{{ if }}x{{ end }}",
    "{{ if true }}x",
    "{{ else }}",
    "{{ end }}",
    "{{ if true }}a{{ else }}b{{ else }}c{{ end }}",
    "{{ if true }}x{{ end }}{{ end }}",
    "{{ and }}",
    "{{ and 0 .Env.NOPE }}",
    "{{ or 1 .Env.NOPE }}",
    "{{ .Zero | and 1 }}",
  ],
  "with": [
    "{{ with .Env.A }}{{ . }}{{ end }}",
    "{{ with .Env.EMPTY }}{{ . }}{{ else }}empty{{ end }}",
    "{{ with .Env.EMPTY }}e{{ else with .Env.A }}{{ . }}{{ end }}",
    "{{ with $x := .Git }}{{ $x.Tag }}{{ .Branch }}{{ end }}",
  ],
  "range": [
    "{{ range .List }}[{{ . }}]{{ end }}",
    "{{ range $i, $v := .List }}{{ $i }}={{ $v }};{{ end }}",
    "{{ range $v := .Nums }}{{ $v }}{{ end }}",
    "{{ range $k, $v := .Map }}{{ $k }}:{{ $v }} {{ end }}",
    "{{ range .EmptyList }}x{{ else }}none{{ end }}",
    "{{ range .EmptyMap }}x{{ else }}none{{ end }}",
    "{{ range 3 }}{{ . }}{{ end }}",
    "{{ range $i := 3 }}{{ $i }}{{ end }}",
    "{{ range $i, $j := 3 }}{{ $i }}{{ end }}",
    '{{ range .List }}{{ if eq . "y" }}{{ break }}{{ end }}{{ . }}{{ end }}',
    '{{ range .List }}{{ if eq . "y" }}{{ continue }}{{ end }}{{ . }}{{ end }}',
    "{{ range .Env.A }}x{{ end }}",
    "{{ range .Yes }}x{{ end }}",
    "{{ break }}",
    "{{ range $a, $b, $c := .List }}{{ end }}",
    "{{ range $i, $v := .List }}{{ end }}{{ $v }}",
    "{{ range .Env }}{{ . }},{{ end }}",
  ],
  "comparisons": [
    '{{ eq 1 1 }} {{ eq 1 2 }} {{ eq "a" "a" }} {{ eq .Env.A "beta" "alpha" }}',
    '{{ ne 1 2 }} {{ ne "a" "a" }}',
    "{{ lt 1 2 }} {{ le 2 2 }} {{ gt 1 2 }} {{ ge 2 1 }}",
    '{{ lt "a" "b" }} {{ lt 1.5 2.5 }} {{ gt .Timestamp 0 }}',
    '{{ eq 1 "1" }}',
    "{{ eq 1 1.0 }}",
    "{{ lt true false }}",
    "{{ eq .Map .Map }}",
    "{{ eq 1 }}",
    "{{ ne 1 }}",
    "{{ eq .Git.CommitTimestamp .Timestamp }}",
    "{{ eq .Yes true }}",
    "{{ eq nil nil }}",
    '{{ lt 1 "a" }}',
  ],
  "len and index and slice": [
    "{{ len .List }} {{ len .Map }} {{ len .Env.A }} {{ len .Unicode }} {{ len .EmptyList }}",
    "{{ len 3 }}",
    '{{ index .Env "HOME" }}',
    '{{ index .Env "NOPE" }}|',
    '{{ index .Git "NOPE" }}|',
    "{{ index .List 1 }} {{ index .Nums 0 }}",
    "{{ index .List 5 }}",
    "{{ index .List 3 }}",
    "{{ index .List -1 }}",
    '{{ index .List "a" }}',
    "{{ index .Env 1 }}",
    '{{ index . "Git" "Tag" }}',
    "{{ index .Env.A 0 }}",
    "{{ index .Yes 0 }}",
    "{{ index .List }}",
    "{{ slice .Env.A 1 3 }} {{ slice .List 1 }} {{ slice .Git.FullCommit 0 7 }}",
    "{{ slice .Env.A 3 1 }}",
    "{{ slice .Env.A 1 2 3 }}",
    "{{ slice .Yes 1 }}",
    '{{ not (index .Git "NOPE") }}',
    '{{ eq (index .Env "NOPE") "" }}',
  ],
  "printf verbs": [
    '{{ printf "%s|%v|%q" .Env.A .Env.A .Env.A }}',
    '{{ printf "%d|%v|%x|%X|%o|%b|%c|%q|%U" 65 65 255 255 8 5 65 65 65 }}',
    '{{ printf "%05d|%-5d|%+d|% d|%5s|%-5s|%.2s|%05s" 42 42 42 42 "ab" "ab" "abcdef" "ab" }}',
    '{{ printf "%t|%v" true false }}',
    '{{ printf "%f|%.2f|%e|%g|%v|%6.1f" 2.5 2.5 2.5 2.5 2.5 2.5 }}',
    '{{ printf "%v|%v|%v|%v|%v" 1e6 123456.0 0.0001 0.00001 1e21 }}',
    '{{ printf "%x|%X|% x|%#x" "hi" "hi" "hi" "hi" }}',
    '{{ printf "%#x|%#o|%x" 255 8 -255 }}',
    '{{ printf "%d" .Env.A }}',
    '{{ printf "%s" 3 }}',
    '{{ printf "%s" .Timestamp }}',
    '{{ printf "%s %s" "a" }}',
    '{{ printf "%s" "a" "b" 3 }}',
    '{{ printf "100%%" }} {{ printf "%" }} {{ printf "%z" 1 }}',
    '{{ printf "%v %d" .Map .Nums }}',
    '{{ printf "%s" .Env }}',
    '{{ printf "%q" "tab\\there \\"q\\" é" }}',
    '{{ printf "%*d|%-*d|" 4 7 4 7 }}',
    "{{ printf 3 }}",
    "{{ printf .Timestamp }}",
    '{{ printf "%T %T %T %T" 1 "s" .Map .Float }}',
    '{{ printf "%v" nil }} {{ printf "%d" nil }}',
    '{{ printf "%.3v|%10.3f|%-8.2e|" 3.14159 3.14159 31415.9 }}',
    '{{ printf "%g|%g|%g|%.3g|%.3g" 100000.0 1000000.0 1e-5 1234.5678 0.000012345 }}',
  ],
  "print and println": [
    '{{ print "a" "b" 1 2 "c" 3 }}',
    "{{ print 1 2 }}",
    "{{ print }}",
    '{{ println "a" 1 }}',
    "{{ print nil .Yes }}",
    "{{ print .List .Map }}",
  ],
  "html js urlquery": [
    '{{ html "<a href=\'x\'>&\\"</a>" }}',
    '{{ js "it\'s <b>\\"q\\" & = \\\\ \\n" }}',
    '{{ urlquery "a b&c=d/é~" }}',
    "{{ html 1 2 }}",
  ],
  "constants": [
    "{{ \"a\\tb\" }}|{{ `raw\\n` }}|{{ 'a' }}|{{ '\\n' }}|{{ '\\'' }}",
    "{{ 0x1F }} {{ 0o17 }} {{ 017 }} {{ 0b101 }} {{ 1_000 }} {{ -5 }} {{ +5 }}",
    "{{ 1.5 }} {{ 1e3 }} {{ .5 }} {{ 1.0 }} {{ -2.5e-3 }}",
    "{{ true }} {{ false }}",
    "{{ 99999999999999999999 }}",
    "{{ 09 }}",
    "{{ 1x }}",
    '{{ "unterminated }}',
    "{{ `unterminated }}",
    "{{ 'u }}",
    "{{ '\\\n' }}",
    '{{ "bad \\q escape" }}',
    "{{ 'ab' }}",
    "{{ .Env.A",
    "{{ .Env.A }",
    "{{ # }}",
    "{{ .Env.A:B }}",
    "{{ true.X }}",
  ],
  "unsupported and misc": [
    "{{ $x := 1 }}{{ $x := 2 }}{{ $x }}",
    "{{ with .Env.NOPE }}{{ end }}",
    "{{ if .Env.NOPE }}{{ end }}",
    "{{ range .Env.NOPE }}{{ end }}",
    "{{ index .Env.NOPE 0 }}",
    "line1\n{{ .Env.NOPE }}",
    "line1\nline2 {{ if true }}\n{{ .Env.NOPE }}\n{{ end }}",
    "{{ .Env.A }} {{ .Env.NOPE }}",
    'abc {{ printf "%s" .Env.NOPE }}',
    "{{ $x := .Env }}{{ $x.NOPE }}",
    '{{ index (index . "Env") "NOPE" }}|',
    '{{ (index . "Nope").X }}',
    '{{ len (index .Git "NOPE") }}',
    "{{ call .Env.A }}",
    "{{ /* not a comment */ }}",
    '{{/*c*/}}{{"a"}}{{/* c */ -}}   b',
    "{{/* unclosed }}",
    "{{/* c */ x }}",
  ],
  "nesting and scoping": [
    "{{ if .Yes }}{{ if .No }}a{{ else if .Zero }}b{{ else }}{{ with .Env.A }}{{ . }}{{ end }}{{ end }}{{ end }}",
    "{{ $x := 0 }}{{ range $i, $v := .List }}{{ $x = $i }}{{ end }}{{ $x }}",
    "{{ range $i, $v := .List }}{{ range $.Nums }}{{ if eq . 1 }}{{ break }}{{ end }}{{ $i }}{{ . }} {{ end }}{{ end }}",
    "{{ range .List }}{{ else if .Yes }}{{ end }}",
    '{{ .List | len | printf "%d" }}',
    '{{ index .Map "b" | printf "%03d" }}',
    '{{ 1 | printf "%d %d" 2 }}',
    "{{ `multi\nline raw` }}",
    "{{ with .Git }}{{ .Tag }}{{ $.Date }}{{ end }}",
    "{{ range .Map }}{{ . }}{{ end }}",
    '{{ if eq .GoEnv.GOARCH "arm64" "amd64" }}64{{ end }}',
    '{{ printf "%s-%s" .Git.Tag (slice .Git.FullCommit 0 12) }}',
    "-X main.Version={{.Git.Tag}}{{if .Git.IsDirty}}-dirty{{end}} -X main.Date={{.Date}}",
    '{{ if ne .Env.NUM "" }}{{ .Env.NUM }}{{ end }}',
    '{{ .Env.PCT }} {{ printf "%v" .Env.PCT }} {{ printf .Env.PCT }}',
    "{{ .Env.SPACES }}",
    "{{ else with .Yes }}",
    "{{ with .Yes }}a{{ else with .No }}b{{ else }}c{{ end }}",
    "{{ with .No }}a{{ else if .Yes }}b{{ end }}",
    "{{ range $i, $e := .List }}{{ continue }}{{ end }}x",
    "{{ continue }}",
    "{{ if true }}{{ break }}{{ end }}",
  ],
};

Deno.test("template refuses define, template and block with a clear message", () => {
  for (const kw of ["define", "template", "block"]) {
    try {
      executeTemplate("argsTmpl", `{{ ${kw} "x" }}y{{ end }}`, {});
      ok(false, `${kw} accepted`);
    } catch (e) {
      ok(e instanceof TemplateError);
      ok(e.message.includes(`{{${kw}}} is not supported`), e.message);
    }
  }
});

function ours(text: string): OracleResult {
  try {
    return { out: executeTemplate("argsTmpl", text, oracleData()) };
  } catch (e) {
    ok(e instanceof TemplateError, `unexpected ${e}`);
    return { err: e.message };
  }
}

const all = Object.values(CASES).flat();
const goResults = new Map<string, OracleResult>();
let loaded: Promise<void> | undefined;
function loadGo(): Promise<void> {
  loaded ??= goExecute(all).then((rs) => rs.forEach((r, i) => goResults.set(all[i]!, r)));
  return loaded;
}

for (const [group, templates] of Object.entries(CASES)) {
  Deno.test(`template matches Go's text/template: ${group}`, async () => {
    await loadGo();
    const failures: string[] = [];
    for (const t of templates) {
      const want = goResults.get(t)!;
      const got = ours(t);
      if ("out" in want) {
        if (!("out" in got) || got.out !== want.out) {
          failures.push(
            `${JSON.stringify(t)}\n  go:   ${JSON.stringify(want)}\n  ours: ${JSON.stringify(got)}`,
          );
        }
      } else if (!("err" in got) || got.err !== want.err) {
        failures.push(
          `${JSON.stringify(t)}\n  go:   ${JSON.stringify(want)}\n  ours: ${JSON.stringify(got)}`,
        );
      }
    }
    ok(failures.length === 0, `${failures.length} mismatches:\n${failures.join("\n")}`);
  });
}
