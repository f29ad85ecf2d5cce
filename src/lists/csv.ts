// CSV as RFC 4180 writes it (and the CSL's download): comma-separated, fields in double quotes
// when they hold a comma, a quote ("" inside) or a line break. Each record keeps the line it
// starts on, so a problem can name it. Hand-written: about fifty lines, and what matters here
// is the line numbers of records that span several lines.

export interface CsvRecord {
  /** 1-based line the record starts on */
  line: number;
  cells: string[];
}

export type CsvParse = { ok: true; records: CsvRecord[] } | { ok: false; line: number; message: string };

export function parseCsv(text: string): CsvParse {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell = "";
      if (text[i] === '"') {
        const quoteLine = line;
        i++;
        for (;;) {
          if (i >= n) return { ok: false, line: quoteLine, message: "a quoted field is never closed (a \" is missing)" };
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === "\n") line++;
          cell += c;
          i++;
        }
        const after = text[i];
        if (after !== undefined && after !== "," && after !== "\n" && after !== "\r") {
          return { ok: false, line, message: `unexpected ${JSON.stringify(after)} after a closing quote (a quote inside a field is written "")` };
        }
      } else {
        while (i < n && text[i] !== "," && text[i] !== "\n" && text[i] !== "\r") {
          cell += text[i];
          i++;
        }
      }
      cells.push(cell);
      if (text[i] === ",") {
        i++;
        continue;
      }
      break;
    }
    if (text[i] === "\r") i++;
    if (text[i] === "\n") {
      i++;
      line++;
    }
    // A blank line is no record.
    if (!(cells.length === 1 && cells[0] === "")) records.push({ line: start, cells });
  }
  return { ok: true, records };
}
