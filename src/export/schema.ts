// The JSON Schema of the records export, generated from the zod schema the export is checked
// against (src/domain/records-export.ts), published as docs/record-export.schema.json for
// auditors' tools. `npm run export:schema` rewrites it; a test fails when it is stale.
import { z } from "zod";
import { RecordExportSchema } from "../domain/records-export.js";

export const RECORD_EXPORT_SCHEMA_PATH = "docs/record-export.schema.json";

/** The schema's JSON text (two-space indented, trailing newline). */
export function recordExportJsonSchema(): string {
  const schema = {
    ...z.toJSONSchema(RecordExportSchema, { io: "output", unrepresentable: "any" }),
    title: "Human-rights due diligence record export (npm run export --format json, /screening export)",
    description:
      "The full record of one screening, or of every screening created in a period: answers with their history, reference facts applied, score and factor trail, rule-set version and hash, restricted-party screening and resolutions, decisions, and the screening's audit events with the verification of the whole audit trail's hash chain.",
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}
