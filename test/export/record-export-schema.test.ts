// The JSON Schema published for the records export (docs/record-export.schema.json) is generated
// from the zod schema the export is checked against; a shape changed without `npm run
// export:schema` would leave auditors' tools validating against the old one.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RECORD_EXPORT_SCHEMA_PATH, recordExportJsonSchema } from "../../src/export/schema.js";

describe("docs/record-export.schema.json", () => {
  it("is up to date with src/domain/records-export.ts (else run npm run export:schema)", () => {
    expect(readFileSync(RECORD_EXPORT_SCHEMA_PATH, "utf8")).toBe(recordExportJsonSchema());
  });

  it("describes the record strictly: no unknown keys, the chain's verification required", () => {
    const schema = JSON.parse(recordExportJsonSchema()) as { additionalProperties?: boolean; required?: string[]; $schema?: string };
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(["kind", "schemaVersion", "generatedAt", "scope", "auditChain", "screenings"]));
  });
});
