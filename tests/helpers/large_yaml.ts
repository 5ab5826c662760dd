/**
 * A large multi-document Kubernetes YAML stream for `ko resolve` at scale: mostly ConfigMaps,
 * some with a big literal block (a third by default) and the rest with many small entries (plain, single- and
 * double-quoted strings, numbers, comments, flow mappings), and every few documents a
 * Deployment whose containers name `ko://` references of a few apps (plain, quoted, in flow
 * sequences, under anchors with aliases to them). Now and then a document holds one very
 * long string. Deterministic for a given size.
 */

/** What {@link largeManifest} generates. */
export interface LargeManifestSpec {
  /** Approximate size in bytes (the stream stops at the first document past it). */
  bytes: number;
  /** The `ko://` references to spread over the Deployments, e.g. `ko://example.com/m/cmd/a`. */
  refs: readonly string[];
  /** Every how many documents one is a Deployment (default 8). */
  deploymentEvery?: number;
  /** Every how many documents one holds a single very long string (default 250). */
  bigStringEvery?: number;
  /** Length of those strings (default 1 MB). */
  bigStringLength?: number;
  /** Every how many ConfigMaps one has a big literal block, the rest many small entries (3). */
  literalEvery?: number;
}

const WORDS = [
  "alpha",
  "bravo",
  "charlie",
  "delta",
  "echo",
  "foxtrot",
  "golf",
  "hotel",
  "india",
  "juliet",
  "kilo",
  "lima",
  "mike",
  "november",
  "oscar",
  "papa",
  "quebec",
  "romeo",
  "sierra",
  "tango",
  "ko",
  "yaml:",
  "#hash",
  "it's",
  '"quoted"',
  "{brace}",
];

/** A small deterministic generator (xorshift32). */
function random(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

/** Generates the stream. */
export function largeManifest(spec: LargeManifestSpec): string {
  const rnd = random(0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(" ");
  const deploymentEvery = spec.deploymentEvery ?? 8;
  const bigEvery = spec.bigStringEvery ?? 250;
  const bigLength = spec.bigStringLength ?? 1_000_000;
  const literalEvery = spec.literalEvery ?? 3;
  let refAt = 0;
  const nextRef = () => spec.refs[refAt++ % spec.refs.length]!;

  const parts: string[] = ["# Generated manifest for the large resolve benchmark.\n"];
  let size = parts[0]!.length;
  for (let i = 0; size < spec.bytes; i++) {
    let doc: string;
    if (i % deploymentEvery === deploymentEvery - 1) doc = deployment(i, nextRef, words);
    else if (i % bigEvery === bigEvery - 1) doc = bigString(i, bigLength, rnd);
    else doc = configMap(i, i % literalEvery === 0, rnd, words);
    const text = (i === 0 ? "" : "---\n") + doc;
    parts.push(text);
    size += text.length;
  }
  return parts.join("");
}

function deployment(i: number, nextRef: () => string, words: (n: number) => string): string {
  const [a, b, c, d] = [nextRef(), nextRef(), nextRef(), nextRef()];
  return `# Deployment ${i}: ${words(6)}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  labels: &labels-${i}
    app: app-${i}
    tier: backend # trailing comment
spec:
  replicas: ${i % 5}
  selector:
    matchLabels: *labels-${i}
  template:
    metadata:
      labels: *labels-${i}
    spec:
      initContainers:
        - name: init
          image: &img-${i} ${a}
      containers:
        - name: main
          image: ${b}
          args: ["--flag", "${i}", ${c}]
          env:
            - name: SIDE_IMAGE
              value: *img-${i}
            - name: NOTE
              value: '${words(8).replaceAll("'", "''")}'
        - name: sidecar
          image: "${d}"
          resources: {limits: {cpu: "100m", memory: 64Mi}}
`;
}

function configMap(
  i: number,
  literal: boolean,
  rnd: () => number,
  words: (n: number) => string,
): string {
  const n = 150 + Math.floor(rnd() * 200);
  const lines: string[] = [];
  if (literal) {
    // A big literal block: one scalar of many lines.
    for (let l = 0; l < n; l++) lines.push(`      ${words(10)}`);
    return `apiVersion: v1
kind: ConfigMap
metadata:
  name: config-${i}
  annotations:
    note: ${JSON.stringify(words(12))}
data:
  # The main configuration file.
  config.txt: |
${lines.join("\n")}
  plain: ${words(5).replace(/[:#'"{}]/g, "")}
  single: '${words(12).replaceAll("'", "''")}'
  folded: >-
    ${words(20)}
    ${words(20)}
  number: "${i}"
`;
  }
  // Many small entries: a node per key and per value.
  for (let l = 0; l < n; l++) {
    const value = l % 3 === 0
      ? JSON.stringify(words(3))
      : l % 3 === 1
      ? String(Math.floor(rnd() * 1e6))
      : words(2).replace(/[:#'"{}]/g, "");
    lines.push(`  key-${l}: ${value}${l % 10 === 0 ? " # note" : ""}`);
  }
  return `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings-${i}
  labels: {app: settings, index: "${i}"}
data:
${lines.join("\n")}
`;
}

function bigString(i: number, length: number, rnd: () => number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let s = "";
  while (s.length < length) {
    let chunk = "";
    for (let k = 0; k < 4096; k++) chunk += alphabet[Math.floor(rnd() * 64)];
    s += chunk;
  }
  return `apiVersion: v1
kind: Secret
metadata:
  name: blob-${i}
data:
  payload: "${s.slice(0, length)}"
`;
}
