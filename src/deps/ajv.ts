/**
 * ajv and ajv-formats (JSON Schema validation), used by the tests to check SBOM documents
 * against their official schemas; named here once by full versioned `npm:` specifiers so that
 * no import map is needed. Both packages are CommonJS: `Ajv` and `addFormats` are their
 * `module.exports`, whose ES default export sits under `.default`.
 */
export { default as Ajv, type ErrorObject } from "npm:ajv@8.20.0";
export { default as addFormats } from "npm:ajv-formats@3.0.1";
export { fullFormats } from "npm:ajv-formats@3.0.1/dist/formats.js";
