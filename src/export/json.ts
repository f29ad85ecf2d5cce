// The record as JSON: the shape of src/domain/records-export.ts, published as
// docs/record-export.schema.json (generated from the same zod schema; `npm run export:schema`).
import { RecordExportSchema, type RecordExport } from "../domain/records-export.js";

/** Two-space indented UTF-8 JSON with a trailing newline; checked against the published shape first. */
export function renderJson(exp: RecordExport): Buffer {
  return Buffer.from(`${JSON.stringify(RecordExportSchema.parse(exp), null, 2)}\n`, "utf8");
}
