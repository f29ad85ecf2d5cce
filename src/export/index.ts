// A record export in the format asked for, as bytes with the file name and media type to give it.
import type { RecordExport } from "../domain/records-export.js";
import type { ExportFormat } from "../services/records-export.js";
import { renderCsv } from "./csv.js";
import { renderJson } from "./json.js";
import { renderPdf } from "./pdf.js";

export interface RenderedExport {
  bytes: Buffer;
  /** e.g. DD-2026-0007-record.pdf, or dd-records-2026-01-01-to-2026-03-31.csv */
  filename: string;
  mediaType: string;
}

const MEDIA_TYPES: Record<ExportFormat, string> = { pdf: "application/pdf", json: "application/json", csv: "text/csv; charset=utf-8" };

export function exportFileName(exp: RecordExport, format: ExportFormat): string {
  return exp.scope.kind === "screening" ? `${exp.scope.reference}-record.${format}` : `dd-records-${exp.scope.from}-to-${exp.scope.to}.${format}`;
}

export async function renderExport(exp: RecordExport, format: ExportFormat): Promise<RenderedExport> {
  const bytes = format === "pdf" ? await renderPdf(exp) : format === "json" ? renderJson(exp) : renderCsv(exp);
  return { bytes, filename: exportFileName(exp, format), mediaType: MEDIA_TYPES[format] };
}
