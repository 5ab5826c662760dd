/**
 * Validates SBOM documents against the official JSON schemas kept in
 * tests/testdata/sbom/schemas (SPDX 2.3 from spdx/spdx-spec tag v2.3; CycloneDX 1.6 with its
 * spdx and jsf sub-schemas from CycloneDX/specification tag 1.6.1) using ajv.
 */
import { addFormats, Ajv, type ErrorObject, fullFormats } from "../../src/deps/ajv.ts";

const SCHEMA_DIR = new URL("../testdata/sbom/schemas/", import.meta.url);

async function loadSchema(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(new URL(name, SCHEMA_DIR)));
}

type Validate = (doc: unknown) => string[];

let validators: Promise<{ spdx: Validate; cyclonedx: Validate }> | undefined;

function build(): Promise<{ spdx: Validate; cyclonedx: Validate }> {
  validators ??= (async () => {
    // Both packages are CommonJS: their ES default export sits under `.default`.
    const ajv = new Ajv.default({ allErrors: true, strict: false });
    addFormats.default(ajv);
    // ajv-formats has no IRI formats: check an IRI reference as a URI reference once its
    // non-ASCII characters are percent-encoded (RFC 3987 §3.1), and an IDN email likewise.
    const ascii = (s: string) => s.replace(/[\u0080-\u{10ffff}]+/gu, (m) => encodeURIComponent(m));
    ajv.addFormat("iri-reference", (s: string) => formatOk("uri-reference", ascii(s)));
    ajv.addFormat("idn-email", (s: string) => formatOk("email", ascii(s)));
    ajv.addSchema(await loadSchema("spdx.schema.json"));
    ajv.addSchema(await loadSchema("jsf-0.82.schema.json"));
    const cdx = ajv.compile(await loadSchema("bom-1.6.schema.json"));
    const spdx = ajv.compile(await loadSchema("spdx-2.3.schema.json"));
    const wrap = (v: typeof cdx): Validate => (doc) =>
      v(doc)
        ? []
        : (v.errors ?? []).map((e: ErrorObject) => `${e.instancePath || "/"} ${e.message}`);
    return { spdx: wrap(spdx), cyclonedx: wrap(cdx) };
  })();
  return validators;
}

/** Whether `s` passes one of ajv-formats' full formats (a RegExp or a function). */
function formatOk(name: "uri-reference" | "email", s: string): boolean {
  const f: unknown = fullFormats[name];
  if (f instanceof RegExp) return f.test(s);
  if (typeof f === "function") return Boolean(f(s));
  throw new Error(`unexpected ajv-formats format ${name}`);
}

/** Schema errors of an SPDX 2.3 JSON document ([] when valid). */
export async function spdxSchemaErrors(doc: unknown): Promise<string[]> {
  return (await build()).spdx(doc);
}

/** Schema errors of a CycloneDX 1.6 JSON document ([] when valid). */
export async function cycloneDxSchemaErrors(doc: unknown): Promise<string[]> {
  return (await build()).cyclonedx(doc);
}
