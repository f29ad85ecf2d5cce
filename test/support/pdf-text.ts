// The text of a PDF as a reader's tool extracts it (Mozilla's pdf.js, legacy build for Node),
// page by page, with the number of pages. Used to check that exported PDFs are real documents
// whose text can be searched and copied.
import { fileURLToPath } from "node:url";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";

const STANDARD_FONTS = fileURLToPath(new URL("../../node_modules/pdfjs-dist/standard_fonts/", import.meta.url));

export async function pdfText(bytes: Uint8Array): Promise<{ pages: string[]; text: string }> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, standardFontDataUrl: STANDARD_FONTS }).promise;
  const pages: string[] = [];
  try {
    for (let i = 1; i <= pdf.numPages; i++) {
      const content = await (await pdf.getPage(i)).getTextContent();
      pages.push(content.items.map((item) => ("str" in item ? item.str + (item.hasEOL ? "\n" : "") : "")).join(""));
    }
  } finally {
    await pdf.destroy();
  }
  return { pages, text: pages.join("\n") };
}

/** Whitespace (line breaks within a paragraph or a table cell included) folded to single spaces. */
export function flat(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
