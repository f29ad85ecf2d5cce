// The record as CSV for a spreadsheet: one row per answered question, its history in one column
// (src/domain/records-export.ts csvRows), RFC 4180 quoting and CRLF line ends, in UTF-8 with a
// byte order mark so that spreadsheet programs read accents and other scripts correctly.
import { csvRows, toCsv, type RecordExport } from "../domain/records-export.js";

export const UTF8_BOM = "\uFEFF";

export function renderCsv(exp: RecordExport): Buffer {
  return Buffer.from(UTF8_BOM + toCsv(csvRows(exp)), "utf8");
}
