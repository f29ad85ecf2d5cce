// The record as a PDF an auditor reads without ever having seen Slack: a title page (what the
// record covers, the audit trail's verification, how to read it), then one part per screening
// with numbered sections and tables, and "Page N of M" on every page. Made with pdfkit and its
// built-in standard fonts (Helvetica), so nothing is fetched or installed to make it, and the
// text stays extractable (searchable, copyable).
//
// The standard fonts cover Western European text (Windows-1252). Other characters (Cyrillic,
// Chinese, Arabic… in party names) are transliterated here, and the title page says so; the JSON
// and CSV exports hold every text exactly as recorded.
import anyAscii from "any-ascii";
import PDFDocument from "pdfkit";
import type { RecordExport, ScreeningExport } from "../domain/records-export.js";

const FONT = "Helvetica";
const BOLD = "Helvetica-Bold";
const MARGIN = { top: 56, bottom: 64, left: 50, right: 50 };
const RED = "#b00020";
const GREEN = "#1b5e20";
const GREY = "#555555";
const HEADER_FILL = "#e8ecf1";
/** cells longer than this are continued on the next row, so that no row outgrows a page */
const CELL_CHUNK = 1100;
const DETAILS_MAX = 420;

/** Characters the standard fonts can show: Latin-1 and the Windows-1252 extras. */
const WIN_ANSI_EXTRA = new Set([0x152, 0x153, 0x160, 0x161, 0x178, 0x17d, 0x17e, 0x192, 0x2c6, 0x2dc, 0x2013, 0x2014, 0x2018, 0x2019, 0x201a, 0x201c, 0x201d, 0x201e, 0x2020, 0x2021, 0x2022, 0x2026, 0x2030, 0x2039, 0x203a, 0x20ac, 0x2122]);

/** Text the standard fonts can show: other characters transliterated, controls dropped. */
export function pdfText(text: string): string {
  let out = "";
  for (const ch of text.replace(/\r\n?/g, "\n").replace(/\t/g, "    ")) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === "\n" || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_EXTRA.has(cp)) out += ch;
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    else out += ch === "→" ? "->" : anyAscii(ch) || "?";
  }
  return out;
}

const when = (iso: string | null): string => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : "-");

type Doc = InstanceType<typeof PDFDocument>;
type Cell = string | { text: string; bold?: boolean; color?: string; fill?: string };

export async function renderPdf(exp: RecordExport): Promise<Buffer> {
  const title = exp.scope.kind === "screening" ? `Due diligence record of ${exp.scope.reference}` : `Due diligence records, ${exp.scope.from} to ${exp.scope.to}`;
  const doc = new PDFDocument({
    size: "A4",
    margins: MARGIN,
    bufferPages: true,
    font: FONT,
    info: {
      Title: title,
      Subject: "Human-rights due diligence on an export of items with surveillance capabilities",
      Author: "Export Due Diligence bot",
      Creator: "Export Due Diligence bot (npm run export)",
      CreationDate: new Date(exp.generatedAt),
      ModDate: new Date(exp.generatedAt),
    },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  titlePage(doc, exp, title);
  for (const s of exp.screenings) screeningPart(doc, exp, s);
  footers(doc, exp);
  doc.end();
  return done;
}

// ---------------------------------------------------------------------------------------------
// Building blocks

function width(doc: Doc): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

function ensureSpace(doc: Doc, points: number): void {
  if (doc.y + points > doc.page.height - doc.page.margins.bottom) doc.addPage();
}

function heading(doc: Doc, text: string, size: number): void {
  // with room for a few lines of what follows: a heading alone at the foot of a page reads as lost
  ensureSpace(doc, 130);
  doc.moveDown(size >= 14 ? 0.4 : 0.8);
  doc.font(BOLD).fontSize(size).fillColor("black").text(pdfText(text), doc.page.margins.left, doc.y, { width: width(doc) });
  doc.moveDown(0.3);
  doc.font(FONT).fontSize(9.5);
}

function para(doc: Doc, text: string, opts: { color?: string; bold?: boolean; size?: number } = {}): void {
  doc
    .font(opts.bold ? BOLD : FONT)
    .fontSize(opts.size ?? 9.5)
    .fillColor(opts.color ?? "black")
    .text(pdfText(text), doc.page.margins.left, doc.y, { width: width(doc) });
  doc.moveDown(0.4);
  doc.font(FONT).fontSize(9.5).fillColor("black");
}

/** A box around the audit trail's verification: green when intact, red and bold when broken. */
function chainBox(doc: Doc, exp: RecordExport): void {
  const intact = exp.auditChain.intact;
  const text = pdfText(exp.auditChain.statement);
  const w = width(doc);
  doc.font(BOLD).fontSize(10.5);
  const h = doc.heightOfString(text, { width: w - 20 }) + 16;
  ensureSpace(doc, h + 10);
  const x = doc.page.margins.left;
  const y = doc.y;
  doc.save().lineWidth(intact ? 1 : 2.5).rect(x, y, w, h).fillAndStroke(intact ? "#eef6ee" : "#fdecee", intact ? GREEN : RED).restore();
  doc.fillColor(intact ? GREEN : RED).text(text, x + 10, y + 8, { width: w - 20 });
  doc.x = x;
  doc.y = y + h + 8;
  doc.font(FONT).fontSize(9.5).fillColor("black");
}

/** Splits a row whose cells are too long for one page into continuation rows. */
function continued(cells: readonly Cell[]): Cell[][] {
  const texts = cells.map((c) => (typeof c === "string" ? c : c.text));
  if (texts.every((t) => t.length <= CELL_CHUNK)) return [cells.slice()];
  const parts = texts.map((t) => splitText(t, CELL_CHUNK));
  const n = Math.max(...parts.map((p) => p.length));
  const rows: Cell[][] = [];
  for (let i = 0; i < n; i++) {
    rows.push(
      cells.map((c, j) => {
        const piece = parts[j]?.[i] ?? "";
        const text = i > 0 && piece !== "" ? `(continued) ${piece}` : piece;
        return typeof c === "string" ? text : { ...c, text };
      }),
    );
  }
  return rows;
}

function splitText(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf(" ", max);
    if (cut < max / 2) cut = max;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  out.push(rest);
  return out;
}

/** A table with a shaded header row (null: none); `widths` in points (the last may be "*": the rest). */
function table(doc: Doc, headers: readonly string[] | null, rows: ReadonlyArray<readonly Cell[]>, widths: ReadonlyArray<number | "*">): void {
  doc.font(FONT).fontSize(8).fillColor("black");
  const body = rows.flatMap((r) => continued(r));
  // the header and the first row together: a header alone at the foot of a page reads as lost
  ensureSpace(doc, 20 + firstRowHeight(doc, body[0], widths));
  const data = [
    ...(headers ? [headers.map((h) => ({ text: pdfText(h), font: { src: BOLD }, backgroundColor: HEADER_FILL, type: "TH" as const }))] : []),
    ...body.map((r) =>
      r.map((c) =>
        typeof c === "string"
          ? { text: pdfText(c) }
          : { text: pdfText(c.text), ...(c.bold ? { font: { src: BOLD } } : {}), ...(c.color ? { textColor: c.color } : {}), ...(c.fill ? { backgroundColor: c.fill } : {}) },
      ),
    ),
  ];
  doc.table({
    position: { x: doc.page.margins.left, y: doc.y },
    maxWidth: width(doc),
    columnStyles: widths.map((w) => ({ width: w })),
    defaultStyle: { padding: [3, 4, 3, 4], border: 0.5, borderColor: "#9aa5b1" },
    data,
  });
  doc.x = doc.page.margins.left;
  doc.moveDown(0.6);
  doc.font(FONT).fontSize(9.5).fillColor("black");
}

function firstRowHeight(doc: Doc, row: readonly Cell[] | undefined, widths: ReadonlyArray<number | "*">): number {
  if (!row) return 0;
  const fixed = widths.reduce<number>((sum, w) => sum + (w === "*" ? 0 : w), 0);
  const rest = Math.max(40, width(doc) - fixed);
  let tallest = 0;
  row.forEach((c, i) => {
    const w = widths[i] ?? "*";
    const text = pdfText(typeof c === "string" ? c : c.text);
    tallest = Math.max(tallest, doc.heightOfString(text || " ", { width: (w === "*" ? rest : w) - 8 }));
  });
  return Math.min(tallest + 8, doc.page.height - doc.page.margins.top - doc.page.margins.bottom - 40);
}

function keyValues(doc: Doc, rows: ReadonlyArray<readonly [string, Cell]>): void {
  table(
    doc,
    null,
    rows.map(([k, v]) => [{ text: k, bold: true, fill: HEADER_FILL }, v]),
    [150, "*"],
  );
}

// ---------------------------------------------------------------------------------------------
// The title page

function titlePage(doc: Doc, exp: RecordExport, title: string): void {
  doc.font(BOLD).fontSize(20).text("Human-rights due diligence record", { width: width(doc) });
  doc.moveDown(0.3);
  doc.font(BOLD).fontSize(14).text(pdfText(exp.scope.kind === "screening" ? `Screening ${exp.scope.reference}` : `Screenings created from ${exp.scope.from} to ${exp.scope.to} (UTC)`));
  doc.moveDown(0.3);
  para(doc, `${title}. Exported ${when(exp.generatedAt)} by the Export Due Diligence bot.`, { color: GREY });
  doc.moveDown(0.5);
  heading(doc, "Audit trail verification", 12);
  chainBox(doc, exp);
  para(
    doc,
    "Every change to a screening is recorded as an event in one append-only audit trail, in which each event carries a SHA-256 hash of its content and of the event before it. " +
      "The whole trail was checked when this record was made: an event changed, removed or inserted afterwards breaks the chain at that point. " +
      "Each event listed in this record says whether the chain verifies up to it.",
  );
  heading(doc, "About this record", 12);
  para(
    doc,
    "Before a deal involving items with surveillance capabilities, the person who requests it (the requester) answers a questionnaire about the deal in Slack, the company's chat system. " +
      "A rule set kept by the compliance team scores the human-rights risk of the deal from those answers and from reference facts about the destination; every contributing factor is kept with its source. " +
      "Parties named in the answers are screened against the US Consolidated Screening List. A screening at or above the escalation threshold, or with a hard stop (such as an embargoed destination), goes to the compliance approvers, who approve, approve with conditions, approve under a licence or authorisation, reject, or request more information; each decision is recorded with its rationale.",
  );
  para(
    doc,
    "People are identified by their Slack member IDs (such as U0123ABC), which the workspace's administrators can resolve to names. Times are in UTC. " +
      "The rule set is identified by its label and the SHA-256 hash of its content, under which it is stored, so every score can be reproduced. " +
      "Text outside the Western European character set (for instance names in Cyrillic or Chinese script) is transliterated in this PDF; the JSON and CSV exports of the same record hold it exactly as recorded.",
  );
  const years = exp.screenings[0]?.retention.years;
  if (years !== undefined) para(doc, `Records are kept for ${years} years after their last change and are never deleted before then.`);

  if (exp.scope.kind === "period") {
    heading(doc, `Screenings in this record (${exp.screenings.length})`, 12);
    if (exp.screenings.length === 0) para(doc, "No screening was created in this period.");
    else
      table(
        doc,
        ["Reference", "Created", "Status", "Tier", "Score", "Decisions"],
        exp.screenings.map((s) => [s.reference, when(s.createdAt), s.status.replace("_", " "), s.outcome?.tier.label ?? "-", s.outcome ? String(s.outcome.score) : "-", s.decisions.map((d) => d.outcomeLabel).join(", ") || "none"]),
        [80, 110, 80, 80, 45, "*"],
      );
  } else if (exp.screenings.length === 0) {
    para(doc, "No screening has this reference.");
  }
}

// ---------------------------------------------------------------------------------------------
// One screening

function screeningPart(doc: Doc, exp: RecordExport, s: ScreeningExport): void {
  doc.addPage();
  doc.font(BOLD).fontSize(16).text(pdfText(`Screening ${s.reference}`), { width: width(doc) });
  doc.moveDown(0.4);
  doc.font(FONT).fontSize(9.5);
  const o = s.outcome;
  keyValues(doc, [
    ["Reference", s.reference],
    ["Status", s.status.replace("_", " ")],
    ["Requester (Slack member ID)", s.requesterId],
    ["Started", when(s.createdAt)],
    ["Submitted", when(s.submittedAt)],
    ["Closed", when(s.closedAt)],
    ["Rule set", `${s.ruleSet.version ?? "(no label)"}; SHA-256 ${s.ruleSet.hash}`],
    ...(s.renews ? [["Re-screening of", `${s.renews.reference} (before its renewal; its answers were the starting point)`] as const] : []),
    ...(s.renewedBy ? [["Re-screened by", s.renewedBy.reference] as const] : []),
    ...(s.reviewDueAt ? [["Review due", when(s.reviewDueAt)] as const] : []),
    ["Score", o ? o.scale : "not scored (not submitted)"],
    ["Risk tier", o ? (o.tier.id === o.scoreTier.id ? o.tier.label : `${o.tier.label} (the score alone: ${o.scoreTier.label})`) : "-"],
    ["Hard stops", o ? (o.hardStops.length === 0 ? "none" : { text: o.hardStops.map((h) => `${h.reason} (${h.source})`).join("; "), bold: true, color: RED }) : "-"],
    ["Approvals required", o ? String(o.approvalsRequired) : "-"],
    ["Audit trail", exp.auditChain.intact ? "intact (see the title page)" : { text: exp.auditChain.statement, bold: true, color: RED }],
    [
      "Retention",
      s.retention.erasedAt
        ? `content erased on ${when(s.retention.erasedAt)} after the retention period of ${s.retention.years} years; the audit trail is kept whole`
        : `kept at least until ${s.retention.keepUntil.slice(0, 10)} (${s.retention.years} years after its last change, ${s.retention.lastActivityAt.slice(0, 10)})`,
    ],
  ]);

  heading(doc, "1. Decisions", 12.5);
  if (s.escalation) {
    const e = s.escalation;
    para(
      doc,
      `Escalated to the compliance channel (${e.channelId}) on ${when(e.openedAt)}; ${e.requiredApprovals} approval${e.requiredApprovals === 1 ? "" : "s"} required; ` +
        `round ${e.round}; escalation status: ${e.status.replace("_", " ")}${e.closedAt ? `, closed ${when(e.closedAt)}` : ""}.`,
    );
  } else if (s.status === "cleared") {
    para(doc, "Cleared without escalation: the score was below the escalation threshold and no hard stop applied, so no approver decision was needed.");
  } else {
    para(doc, "Not escalated (yet).");
  }
  if (s.decisions.length === 0) para(doc, "No decision was recorded.");
  else
    table(
      doc,
      ["Decided", "By", "Decision", "Rationale", "Conditions and authorisation"],
      s.decisions.map((d) => [
        when(d.decidedAt),
        d.deciderId,
        { text: `${d.outcomeLabel} (round ${d.round})`, bold: true },
        d.rationale === "" && s.retention.erasedAt ? "(erased after the retention period)" : d.rationale,
        [
          ...d.conditions.map((c) => `Condition: ${c.label}`),
          ...(d.conditionsText ? [`In the approver's words: ${d.conditionsText}`] : []),
          ...(d.authorisation
            ? [`Licence or authorisation ${d.authorisation.reference}, issued by ${d.authorisation.issuerName ?? d.authorisation.issuerLabel} (${d.authorisation.issuerLabel}) on ${d.authorisation.issuedOn}`]
            : []),
        ].join("\n") || "-",
      ]),
      [78, 62, 80, 150, "*"],
    );

  heading(doc, "2. Risk score and its factors", 12.5);
  if (!o) para(doc, s.retention.erasedAt ? "The scoring was erased with the record's content after the retention period; the score and tier above are kept." : "Not scored: the screening was not submitted.");
  else {
    para(doc, `Score ${o.scale}. Tier: ${o.tier.label}.`);
    if (o.factors.length === 0) para(doc, "No factor contributed points.");
    else
      table(
        doc,
        ["Group", "What contributed", "Points", "Source"],
        o.factors.map((f) => [
          f.groupLabel,
          f.kind === "answer" ? `${f.question ?? f.questionId ?? ""}: ${f.answer ?? ""}${f.rationale ? ` (${f.rationale})` : ""}` : `${f.factorId ?? ""}${f.rationale ? `: ${f.rationale}` : ""}`,
          (f.points > 0 ? "+" : "") + String(f.points),
          f.source,
        ]),
        [90, 210, 40, "*"],
      );
    table(
      doc,
      ["Group", "Kind", "Raw points", "Capped", "Counted"],
      o.groups.map((g) => [g.label, g.kind, String(g.raw), g.capped ? "yes" : "no", String(g.points)]),
      [160, 70, 70, 60, "*"],
    );
    if (o.missing.length > 0) para(doc, `Required questions without an answer at scoring: ${o.missing.map((m) => m.questionId).join(", ")}.`);
  }

  heading(doc, "3. Reference facts applied", 12.5);
  if (s.referenceFacts.length === 0) para(doc, "None recorded with the scoring.");
  else table(doc, ["Subject", "Fact", "Source", "As of"], s.referenceFacts.map((f) => [f.subject, f.statement, f.source, f.asOf ?? "no date (a gap)"]), [110, 170, 150, "*"]);

  heading(doc, "4. Restricted-party screening", 12.5);
  const p = s.partyScreening;
  if (!p) para(doc, "No restricted-party screening is recorded with this screening.");
  else if (!p.screened)
    para(doc, p.notScreened === "no_lists_configured" ? "The parties were not screened: no restricted-party list was configured." : "The parties were not screened: no list set had been imported yet.");
  else {
    para(doc, `${p.names} name${p.names === 1 ? "" : "s"} screened against list set ${p.listSet?.contentHash.slice(0, 12) ?? "?"} (${p.listSet?.entryCount ?? "?"} entries, imported ${when(p.listSet?.importedAt ?? null)}).`);
    if (p.matches.length === 0) para(doc, "No potential match.");
    else
      table(
        doc,
        ["Our name", "Listed name and list", "Score", "Resolution"],
        p.matches.map((m) => [
          m.partyName,
          `${m.listedName} (${m.source}${m.programs.length > 0 ? `; ${m.programs.join(", ")}` : ""})`,
          m.score.toFixed(2),
          m.resolution
            ? `${m.resolution.outcome === "confirmed" ? "Confirmed match" : "Not the same party"} by ${m.resolution.decidedBy} on ${when(m.resolution.decidedAt)}: ${m.resolution.reason || "(reason erased)"}`
            : { text: "open: not resolved", bold: true },
        ]),
        [95, 170, 40, "*"],
      );
  }
  if (s.matchResolutions.length > 0) {
    para(doc, "Resolutions made in this screening:");
    table(
      doc,
      ["Decided", "By", "Entry", "Outcome", "Reason"],
      s.matchResolutions.map((r) => [when(r.decidedAt), r.decidedBy, `${r.entryId} (${r.normalisedName})`, r.outcome === "confirmed" ? "Confirmed match" : "Not the same party", r.reason || "(erased)"]),
      [78, 62, 120, 70, "*"],
    );
  }

  heading(doc, "5. Answers and their history", 12.5);
  if (s.answers.length === 0) para(doc, s.retention.erasedAt ? `The answers were erased on ${when(s.retention.erasedAt)}, after the retention period.` : "No answer was recorded.");
  else
    table(
      doc,
      ["Question", "Answer in force", "History (oldest first): when, who, old -> new"],
      s.answers.map((a) => [
        `${a.question}${a.page ? ` [${a.page}]` : ""}`,
        a.currentDisplay,
        a.history.map((v) => `${when(v.answeredAt)} ${v.answeredBy ?? "(not recorded)"}: ${v.previous ?? "(none)"} -> ${v.display}`).join("\n"),
      ]),
      [150, 140, "*"],
    );

  heading(doc, "6. Audit trail of this screening", 12.5);
  para(doc, exp.auditChain.statement, exp.auditChain.intact ? { color: GREEN } : { color: RED, bold: true });
  if (s.auditEvents.length === 0) para(doc, "No audit event names this screening.");
  else
    table(
      doc,
      ["Seq", "Time", "Actor", "Event", "Details", "Chain"],
      s.auditEvents.map((e) => [
        e.seq,
        when(e.at),
        e.actorId,
        e.type,
        details(e.data),
        e.verified ? "verified" : { text: "NOT VERIFIED", bold: true, color: RED },
      ]),
      [32, 78, 62, 82, 190, "*"],
    );
}

function details(data: Record<string, unknown>): string {
  const text = Object.entries(data)
    .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join("; ");
  return text.length > DETAILS_MAX ? `${text.slice(0, DETAILS_MAX)}… (in full in the JSON export)` : text || "-";
}

// ---------------------------------------------------------------------------------------------
// Footers: what the document is, the audit trail's state, and "Page N of M" on every page

function footers(doc: Doc, exp: RecordExport): void {
  const range = doc.bufferedPageRange();
  const label = exp.scope.kind === "screening" ? `Due diligence record ${exp.scope.reference}` : `Due diligence records ${exp.scope.from} to ${exp.scope.to}`;
  const chain = exp.auditChain.intact ? "Audit trail: intact" : `AUDIT TRAIL BROKEN at seq ${exp.auditChain.brokenAt?.seq ?? "?"}: see page 1`;
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    // writing inside the bottom margin must not start a new page
    doc.page.margins.bottom = 0;
    const y = doc.page.height - bottom + 18;
    const x = doc.page.margins.left;
    const w = width(doc);
    doc.save().lineWidth(0.5).strokeColor("#9aa5b1").moveTo(x, y - 6).lineTo(x + w, y - 6).stroke().restore();
    doc.font(FONT).fontSize(8).fillColor(GREY).text(pdfText(`${label} · exported ${when(exp.generatedAt)}`), x, y, { width: w * 0.7, lineBreak: false });
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, x + w * 0.7, y, { width: w * 0.3, align: "right", lineBreak: false });
    doc
      .font(exp.auditChain.intact ? FONT : BOLD)
      .fillColor(exp.auditChain.intact ? GREY : RED)
      .text(pdfText(chain), x, y + 11, { width: w, lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.fillColor("black");
}
