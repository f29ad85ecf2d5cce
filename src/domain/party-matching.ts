// Screening the parties to a deal against restricted-party lists (the US Consolidated Screening
// List): name normalisation, an index built once per list set, and the matcher.
//
// Libraries, and why (checked on the npm registry, 2026-12):
// - any-ascii (ISC, no dependencies, ESM with types, maintained): Unicode → ASCII for every
//   script, one fixed transliteration per character, so the same text always gives the same
//   tokens on both sides of a comparison. Its Cyrillic follows the BGN/PCGN-like spelling the
//   US lists use ("Технологии" → "Tekhnologii"). Chosen over `transliteration` (MIT, good too,
//   but 3.5 MB and GOST-like Cyrillic "Tehnologii") and `@sindresorhus/transliterate` (leaves
//   Chinese and Arabic alone, and spells "ü" as "ue", language-dependent).
// - fastest-levenshtein (MIT, no dependencies, tens of millions of downloads a month, stable):
//   edit distance between two tokens. talisman has Jaro-Winkler and more, but pulls lodash and
//   four other packages for one function we would use.
// Written here, because no package does it for company names: legal-form stripping, the
// spelling families ("Tekhnologii"/"Technologies", "Intl"/"International"), the phonetic
// skeleton that folds transliteration variants (kh/h, y/i, w/v, doubled letters), the rarity
// weights (IDF) and the rule that a listed name's distinctive words must all be matched.
//
// Pure: no fs, no database. Entry hashes are computed where lists are read (src/lists/).
import anyAscii from "any-ascii";
import { distance } from "fastest-levenshtein";
import { z } from "zod";
import { interviewState } from "./interview.js";
import { PartyScreeningSchema, type Answers, type PartyScreening, type RuleSet } from "./rule-set.js";

// ---------------------------------------------------------------------------------------------
// List entries

export const ListAddressSchema = z.strictObject({
  /** the address as one line: street, city, state, postal code, country (the parts given) */
  text: z.string(),
  /** ISO 3166-1 alpha-2, when the address names a country we recognise */
  country: z.string().regex(/^[A-Z]{2}$/).optional(),
});
export type ListAddress = z.infer<typeof ListAddressSchema>;

/** One entry of a restricted-party list, as read from a CSL file (CSV or JSON: same result). */
export const ListEntrySchema = z.strictObject({
  /** the CSL's own id (`_id` in the CSV, `id` in the JSON); unique across the lists */
  id: z.string().min(1),
  /** the list, e.g. "Entity List (EL) - Bureau of Industry and Security" */
  source: z.string().min(1),
  entityNumber: z.string().optional(),
  /** Entity, Individual, Vessel, Aircraft */
  type: z.string().optional(),
  programs: z.array(z.string()),
  name: z.string().min(1),
  altNames: z.array(z.string()),
  addresses: z.array(ListAddressSchema),
  citizenships: z.array(z.string()),
  nationalities: z.array(z.string()),
  startDate: z.string().optional(),
  remarks: z.string().optional(),
  sourceListUrl: z.string().optional(),
  sourceInformationUrl: z.string().optional(),
  /** sha256 of the entry's other fields (canonical JSON): a changed entry has a new hash */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ListEntry = z.infer<typeof ListEntrySchema>;

/** Everything of an entry but its hash: what the hash is computed over. */
export type ListEntryContent = Omit<ListEntry, "hash">;

/** One file of a list set. */
export interface ListFileInfo {
  /** the file's name (not its folder: moving a file does not change the set) */
  name: string;
  sha256: string;
  entries: number;
}

/** An imported list set, without its entries. */
export interface ListSetSummary {
  id: string;
  /** sha256 over the files' sha256s, sorted: the same files give the same set, in any order */
  contentHash: string;
  files: ListFileInfo[];
  /** entries per list (`source`) */
  entryCounts: Record<string, number>;
  entryCount: number;
  importedAt: Date;
  /** when this content was last put in force */
  activatedAt: Date;
}

// ---------------------------------------------------------------------------------------------
// Countries: the CSL writes ISO codes, sometimes names ("Russia", "China"); we compare codes.

interface CountryTables {
  /** lower-case English names and aliases → code */
  byName: Map<string, string>;
  codes: Set<string>;
}

let countryTables: CountryTables | undefined;

/** Codes ICU names that are no (longer a) country: withdrawn (BU, SU, YU...) or groupings (EU, UN). */
const NOT_COUNTRIES = new Set(["AN", "BU", "CS", "DD", "DY", "EU", "EZ", "FX", "HV", "NH", "NT", "QO", "QU", "RH", "SU", "TP", "UN", "VD", "YD", "YU", "ZR"]);

/** Built from the runtime's ICU data (Intl.DisplayNames) on first use, plus a few aliases. */
function countries(): CountryTables {
  if (countryTables) return countryTables;
  const byName = new Map<string, string>();
  const codes = new Set<string>();
  const names = new Intl.DisplayNames(["en"], { type: "region", fallback: "none" });
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (const a of letters) {
    for (const b of letters) {
      const code = a + b;
      const name = names.of(code);
      if (name === undefined || name === code || NOT_COUNTRIES.has(code)) continue;
      codes.add(code);
      // "Myanmar (Burma)" is also "Myanmar" and "Burma"; "Hong Kong SAR China" also "Hong Kong".
      const variants = [name, name.replace(/\s*\(.*\)\s*/, ""), /\((.*)\)/.exec(name)?.[1] ?? "", name.replace(/\s+SAR China$/, "")];
      for (const v of variants) {
        const key = countryKey(v);
        if (key && !byName.has(key)) byName.set(key, code);
      }
    }
  }
  const aliases: Record<string, string> = {
    "russian federation": "RU",
    "korea north": "KP",
    "north korea": "KP",
    "democratic peoples republic of korea": "KP",
    "korea south": "KR",
    "south korea": "KR",
    "republic of korea": "KR",
    "iran islamic republic of": "IR",
    "syrian arab republic": "SY",
    "peoples republic of china": "CN",
    prc: "CN",
    uae: "AE",
    usa: "US",
    "united states of america": "US",
    uk: "GB",
    "great britain": "GB",
    burma: "MM",
    "ivory coast": "CI",
    "cote divoire": "CI",
    "democratic republic of the congo": "CD",
    "republic of the congo": "CG",
    palestine: "PS",
    "west bank": "PS",
    gaza: "PS",
    turkey: "TR",
    macau: "MO",
  };
  for (const [k, v] of Object.entries(aliases)) byName.set(k, v);
  countryTables = { byName, codes };
  return countryTables;
}

function countryKey(text: string): string {
  return anyAscii(text.normalize("NFKC"))
    .toLowerCase()
    .replace(/['’]/g, "")
    .replace(/[^a-z0-9]+/g, " ")
    .trim();
}

/** The ISO 3166-1 alpha-2 code of a country given by code or English name; undefined when unknown. */
export function countryCode(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t === "") return undefined;
  if (/^[A-Za-z]{2}$/.test(t)) {
    const code = t.toUpperCase();
    return countries().codes.has(code) ? code : undefined;
  }
  return countries().byName.get(countryKey(t));
}

/** The countries an entry is tied to: its addresses, citizenships and nationalities. */
export function entryCountries(entry: ListEntryContent): Set<string> {
  const out = new Set<string>();
  for (const a of entry.addresses) if (a.country) out.add(a.country);
  for (const c of [...entry.citizenships, ...entry.nationalities]) {
    const code = countryCode(c);
    if (code) out.add(code);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Normalising names

/**
 * Legal forms, as lower-case ASCII token sequences (after punctuation is gone: "Co., Ltd." is
 * "co ltd", "FZ-LLC" is "fz llc", "Sp. z o.o." is "sp z o o"). Stripped from the start and the
 * end of a name, longest first, repeatedly: "OOO Example", "Example Co. Ltd", "JSC Example LLC".
 */
const LEGAL_FORMS: readonly string[] = [
  "limited liability company",
  "limited liability partnership",
  "public limited company",
  "private limited company",
  "joint stock company",
  "closed joint stock company",
  "open joint stock company",
  "public joint stock company",
  "obshchestvo s ogranichennoy otvetstvennostyu",
  "obshchestvo s ogranichennoi otvetstvennostiu",
  "tovarishchestvo s ogranichennoy otvetstvennostyu",
  "aktsionernoe obshchestvo",
  "aktsionernoye obshchestvo",
  "zakrytoe aktsionernoe obshchestvo",
  "otkrytoe aktsionernoe obshchestvo",
  "publichnoe aktsionernoe obshchestvo",
  "sa de cv",
  "s a de c v",
  "gmbh co kg",
  "sp z o o",
  "co ltd",
  "co limited",
  "pte ltd",
  "pty ltd",
  "pvt ltd",
  "private limited",
  "sdn bhd",
  "fz llc",
  "fz co",
  "s a",
  "s r l",
  "s r o",
  "d o o",
  "a s",
  "llc",
  "ltd",
  "limited",
  "inc",
  "incorporated",
  "corp",
  "corporation",
  "co",
  "company",
  "gmbh",
  "ag",
  "kg",
  "sa",
  "sas",
  "sarl",
  "bv",
  "nv",
  "spa",
  "srl",
  "sl",
  "ltda",
  "plc",
  "llp",
  "lp",
  "fze",
  "fzco",
  "fzllc",
  "fzc",
  "dmcc",
  "jsc",
  "ojsc",
  "pjsc",
  "cjsc",
  "ooo",
  "oao",
  "zao",
  "ao",
  "pao",
  "too",
  "tov",
  "sdn",
  "bhd",
  "pte",
  "pty",
  "kk",
  "ab",
  "oy",
  "oyj",
  "aps",
  "as",
  "sia",
  "uab",
  "ou",
  "kft",
  "zrt",
  "sro",
  "eood",
  "ood",
  "doo",
  "pt",
  "tbk",
  "cv",
];

const LEGAL_FORM_SEQUENCES: readonly (readonly string[])[] = [...LEGAL_FORMS].map((f) => f.split(" ")).sort((a, b) => b.length - a.length);

/** Words that join names without telling them apart ("A & B" is "A and B" is "A B"). */
const STOP_WORDS = new Set(["the", "and", "of", "for", "und", "et"]);

/**
 * One spelling for a family of words the lists and the requesters spell several ways:
 * transliterated ("Tekhnologii"), abbreviated ("Intl"), in another language ("Gruppa").
 */
const FAMILIES: readonly [RegExp, string][] = [
  [/^te(?:ch|kh|h|k|c)nolog/, "technology"],
  [/^(?:tech|tekh|tek)$/, "technology"],
  [/^(?:intl|internation|internats|internacion|mezhdunarod)/, "international"],
  [/^(?:group|groupe|gruppa|gruppe|grupo|grup|grupa)$/, "group"],
  [/^(?:system|sistem|systeme)/, "system"],
  [/^(?:electron|elektron)/, "electronic"],
  [/^(?:communicat|kommunikat|comunicac)/, "communication"],
  [/^(?:telecom|telekom)/, "telecom"],
  [/^(?:trading|trade|torgov)/, "trading"],
  [/^(?:securit|bezopasnost|seguridad|sicherheit|surete|guvenlik)/, "security"],
  [/^(?:engineer|inzhener|ingenier)/, "engineering"],
  [/^(?:industr|promyshlen)/, "industry"],
  [/^(?:servic|servis)/, "service"],
  [/^(?:holding)/, "holding"],
  [/^(?:compan|kompani|compagnie)/, "company"],
  [/^(?:defen[cs]e|oboron)/, "defence"],
  [/^(?:aviat|aviac)/, "aviation"],
  [/^(?:centre|center|tsentr|centro|zentrum)$/, "centre"],
  [/^(?:institut)/, "institute"],
  [/^(?:investment|invest)$/, "investment"],
  [/^(?:logistic)/, "logistics"],
  [/^(?:solution)/, "solution"],
  [/^(?:enterprise|predpriyat)/, "enterprise"],
];

/**
 * Words that many unrelated parties share. They count little in a score, never make a name
 * distinctive, and a match on them alone is no match ("Global Security Technologies" is not
 * "Zarnitsa Global Security Technologies"). Legal forms count as generic too, where they stand
 * inside a name.
 */
const GENERIC_WORDS: readonly string[] = [
  "international", "trading", "technology", "group", "security", "global", "system", "service",
  "industry", "industrial", "holding", "company", "enterprise", "engineering", "electronic",
  "solution", "general", "import", "export", "logistics", "development", "research", "institute",
  "science", "scientific", "manufacturing", "communication", "network", "investment", "united",
  "national", "world", "worldwide", "commercial", "consulting", "management", "product",
  "production", "equipment", "machinery", "centre", "east", "west", "north", "south", "middle",
  "far", "new", "first", "advanced", "energy", "power", "resource", "partner", "associate",
  "agency", "office", "branch", "bureau", "factory", "plant", "design", "defence", "aviation",
  "aerospace", "marine", "shipping", "transport", "supply", "material", "digital", "data",
  "information", "software", "hardware", "smart", "innovation", "bank", "foundation", "trust",
  "fund", "house", "media", "telecom", "precision", "instrument", "machine", "tool", "device",
  "component", "part", "chemical", "laboratory", "lab", "university", "academy",
  "state", "federal", "city", "municipal", "ministry", "department", "authority", "forces",
  "military", "police", "import export", "overseas", "asia", "pacific", "euro", "europe",
  "african", "arab", "gulf", "middle east", "star", "sun", "golden", "royal", "prime", "pro",
  "plus", "one", "net", "link", "line", "tech", "vision", "control", "safety", "protection",
  "surveillance", "monitoring", "intelligence", "sensor", "optical", "optic", "photonics",
  "radio", "radar", "satellite", "space", "cyber", "secure", "integration", "integrated",
  "applied", "dynamic", "future", "modern", "unit", "center", "co", "firm", "store", "shop",
  "market", "express", "freight", "forwarding", "cargo", "distribution", "sales", "wholesale",
  "retail", "agent", "commerce", "business", "capital", "finance", "financial", "consultancy",
  "project", "construction", "building", "installation", "maintenance", "sons", "brothers",
];

const GENERIC = new Set<string>([...GENERIC_WORDS, ...LEGAL_FORMS].flatMap((w) => w.split(" ")).map((w) => canonicalToken(w)));

/** Whether a (normalised) token is a word many unrelated parties share. */
export function isGenericToken(token: string): boolean {
  return GENERIC.has(token);
}

/**
 * Chinese (and Japanese kanji) company names have no spaces and no transliteration convention
 * for their business words; these few are replaced by their English word before the rest is
 * transliterated (any-ascii writes pinyin: 华为 → "HuaWei"), and the legal forms dropped.
 */
const HAN_WORDS: readonly [string, string][] = (
  [
    ["股份有限公司", ""],
    ["有限责任公司", ""],
    ["有限責任公司", ""],
    ["有限公司", ""],
    ["株式会社", ""],
    ["公司", ""],
    ["集团", "group"],
    ["集團", "group"],
    ["科技", "technology"],
    ["技术", "technology"],
    ["技術", "technology"],
    ["国际", "international"],
    ["國際", "international"],
    ["贸易", "trading"],
    ["貿易", "trading"],
    ["电子", "electronic"],
    ["電子", "electronic"],
    ["通信", "communication"],
    ["信息", "information"],
    ["资讯", "information"],
    ["安全", "security"],
    ["网络", "network"],
    ["網絡", "network"],
    ["研究所", "institute"],
    ["研究院", "institute"],
    ["大学", "university"],
    ["控股", "holding"],
    ["工业", "industry"],
    ["系统", "system"],
    ["软件", "software"],
    ["设备", "equipment"],
  ] as [string, string][]
).sort((a, b) => b[0].length - a[0].length);

function transliterateHan(run: string): string {
  let out = "";
  let rest = run;
  let pending = "";
  while (rest.length > 0) {
    const hit = HAN_WORDS.find(([han]) => rest.startsWith(han));
    if (hit) {
      if (pending) out += ` ${anyAscii(pending)} `;
      pending = "";
      out += ` ${hit[1]} `;
      rest = rest.slice(hit[0].length);
    } else {
      const ch = String.fromCodePoint(rest.codePointAt(0) ?? 0);
      pending += ch;
      rest = rest.slice(ch.length);
    }
  }
  if (pending) out += ` ${anyAscii(pending)} `;
  return out;
}

/** Arabic words for "company" and the LLC abbreviation, dropped before transliterating. */
const ARABIC_LEGAL_FORMS = /(?:^|\s)(?:شركة|شركه|مؤسسة|ذ\.?\s?م\.?\s?م\.?)(?=\s|$)/gu;

/** Folds the spelling variants transliteration produces: kh/h, y/i, w/v, ou/u, ts/tz/c, doubled letters. */
function skeleton(token: string): string {
  if (/^\d+$/.test(token)) return token;
  let t = token;
  // plurals: "systems"/"system", "industries"/"industry" (both sides get the same folding)
  if (t.length > 4 && t.endsWith("ies")) t = `${t.slice(0, -3)}y`;
  else if (t.length > 4 && t.endsWith("s") && !t.endsWith("ss")) t = t.slice(0, -1);
  t = t
    .replace(/shch/g, "sh")
    .replace(/sch/g, "sh")
    .replace(/tch/g, "ch")
    .replace(/dzh/g, "j")
    .replace(/zh/g, "j")
    .replace(/dj/g, "j")
    .replace(/kh/g, "h")
    .replace(/ph/g, "f")
    .replace(/ck/g, "k")
    .replace(/q/g, "k")
    .replace(/w/g, "v")
    .replace(/x/g, "ks")
    .replace(/y/g, "i")
    .replace(/ou/g, "u")
    .replace(/t[sz]/g, "c")
    .replace(/(.)\1+/g, "$1");
  return t;
}

/** A lower-case ASCII word in its matching form: its family's spelling, then its skeleton. */
function canonicalToken(word: string): string {
  for (const [pattern, canonical] of FAMILIES) if (pattern.test(word)) return skeleton(canonical);
  return skeleton(word);
}

function startsWithSeq(tokens: readonly string[], seq: readonly string[], at: number): boolean {
  if (at < 0 || at + seq.length > tokens.length) return false;
  for (let i = 0; i < seq.length; i++) if (tokens[at + i] !== seq[i]) return false;
  return true;
}

function stripLegalForms(tokens: string[]): string[] {
  let t = tokens;
  for (;;) {
    if (t.length <= 1) return t;
    const atEnd = LEGAL_FORM_SEQUENCES.find((seq) => seq.length < t.length && startsWithSeq(t, seq, t.length - seq.length));
    if (atEnd) {
      t = t.slice(0, t.length - atEnd.length);
      continue;
    }
    const atStart = LEGAL_FORM_SEQUENCES.find((seq) => seq.length < t.length && startsWithSeq(t, seq, 0));
    if (atStart) {
      t = t.slice(atStart.length);
      continue;
    }
    return t;
  }
}

/** Lower-case ASCII words of a name: transliterated, without diacritics or punctuation. */
function asciiWords(name: string): string[] {
  let s = name.normalize("NFKC");
  s = s.replace(ARABIC_LEGAL_FORMS, " ");
  s = s.replace(/\p{Script=Han}+/gu, transliterateHan);
  // Diacritics of Latin letters go (NFKD, then the marks); Cyrillic й keeps its breve, so
  // any-ascii spells it "y" rather than "i".
  s = s
    .normalize("NFKD")
    .replace(/(\p{Script=Latin})\p{M}+/gu, "$1")
    .normalize("NFC");
  s = anyAscii(s).toLowerCase();
  s = s.replace(/&|\+/g, " and ");
  // dotted initials are one word: "S.A." → "sa", "U.S.A" → "usa"
  s = s.replace(/\b[a-z0-9](?:\.[a-z0-9])+\.?(?![a-z0-9])/g, (m) => m.replace(/\./g, ""));
  s = s.replace(/['`"]/g, "");
  return s.split(/[^a-z0-9]+/).filter((w) => w.length > 0);
}

/**
 * The words of a name in matching form, in their order: transliterated (Cyrillic, Arabic,
 * Chinese, Greek... via any-ascii), without case, diacritics or punctuation, without legal forms
 * at either end, each word in its family's spelling and its phonetic skeleton, without
 * duplicates. A name made only of legal forms or stop words keeps them.
 */
export function nameTokens(name: string): string[] {
  const words = asciiWords(name);
  if (words.length === 0) return [];
  let kept = stripLegalForms(words);
  const meaningful = kept.filter((w) => !STOP_WORDS.has(w));
  if (meaningful.length > 0) kept = meaningful;
  const out: string[] = [];
  for (const w of kept) {
    const t = canonicalToken(w);
    if (t.length > 0 && !out.includes(t)) out.push(t);
  }
  return out;
}

/**
 * A name in one canonical form, so that spellings of the same name compare equal: its matching
 * words sorted. "Example Tekhnologii OOO", "OOO Tekhnologii Example" and "EXAMPLE TECHNOLOGIES,
 * LLC" give the same text, as do "ООО «Пример Технологии»" and "Primer Tekhnologii". It is the
 * key compliance's resolutions of potential matches are kept under.
 */
export function normaliseName(name: string): string {
  return [...nameTokens(name)].sort().join(" ");
}

// ---------------------------------------------------------------------------------------------
// Token similarity

/** Below this two words do not count as the same word. */
const MIN_TOKEN_SIMILARITY = 0.75;

/**
 * 1 for the same word; 1 − edit distance / length for words of at least 4 letters that differ
 * by one edit (two from 8 letters on): "aleksandr"/"aleksander", "zarnitsa"/"zarnica". Shorter
 * words and numbers must be equal.
 */
export function tokenSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  const shorter = Math.min(a.length, b.length);
  const longer = Math.max(a.length, b.length);
  if (shorter < 4 || /^\d+$/.test(a) || /^\d+$/.test(b)) return 0;
  if (longer - shorter > 2) return 0;
  const d = distance(a, b);
  if (d > (shorter >= 8 ? 2 : 1)) return 0;
  const sim = 1 - d / longer;
  return sim >= MIN_TOKEN_SIMILARITY ? sim : 0;
}

/** The token with one character left out, each way (and the token itself): the fuzzy lookup keys. */
function deletionVariants(token: string): string[] {
  const out = [token];
  for (let i = 0; i < token.length; i++) out.push(token.slice(0, i) + token.slice(i + 1));
  return out;
}

// ---------------------------------------------------------------------------------------------
// The index

interface IndexedName {
  /** position of the entry in `entries` */
  entry: number;
  /** the name or alt name as the list writes it */
  text: string;
  tokens: string[];
}

/** Everything the matcher needs about one list set, worked out once (it is immutable). */
export interface ListIndex {
  readonly entries: readonly ListEntry[];
  readonly names: readonly IndexedName[];
  /** token → in how many entries it occurs */
  readonly df: ReadonlyMap<string, number>;
  /** token → names that contain it */
  readonly postings: ReadonlyMap<string, readonly number[]>;
  /** two adjacent tokens of a name written as one ("hua wei" → "huawei") → names */
  readonly joined: ReadonlyMap<string, readonly number[]>;
  /** deletion variant → distinctive tokens that have it (finds words one edit away) */
  readonly fuzzy: ReadonlyMap<string, readonly string[]>;
  /** the sorted tokens of a name → names (for names without a distinctive word) */
  readonly byKey: ReadonlyMap<string, readonly number[]>;
  readonly countries: readonly ReadonlySet<string>[];
  /** a token in at most this many entries (and not generic) is distinctive */
  readonly distinctiveDf: number;
  /** weight of a word seen nowhere in the lists */
  readonly maxWeight: number;
  readonly genericWeight: number;
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (list[list.length - 1] !== value) list.push(value);
}

/** Builds the index of a list set: once per set, then kept (see src/lists/index-cache.ts). */
export function buildListIndex(entries: readonly ListEntry[]): ListIndex {
  const names: IndexedName[] = [];
  const df = new Map<string, number>();
  const postings = new Map<string, number[]>();
  const joined = new Map<string, number[]>();
  const byKey = new Map<string, number[]>();
  const countries: ReadonlySet<string>[] = [];
  entries.forEach((entry, e) => {
    countries.push(entryCountries(entry));
    const seenTexts = new Set<string>();
    const entryTokens = new Set<string>();
    for (const text of [entry.name, ...entry.altNames]) {
      const trimmed = text.trim();
      if (trimmed === "" || seenTexts.has(trimmed)) continue;
      seenTexts.add(trimmed);
      const tokens = nameTokens(trimmed);
      if (tokens.length === 0) continue;
      const n = names.length;
      names.push({ entry: e, text: trimmed, tokens });
      for (const t of tokens) {
        entryTokens.add(t);
        pushTo(postings, t, n);
      }
      for (let i = 0; i + 1 < tokens.length; i++) pushTo(joined, `${tokens[i]}${tokens[i + 1]}`, n);
      pushTo(byKey, [...tokens].sort().join(" "), n);
    }
    for (const t of entryTokens) df.set(t, (df.get(t) ?? 0) + 1);
  });
  const distinctiveDf = Math.max(3, Math.ceil(entries.length * 0.01));
  const fuzzy = new Map<string, string[]>();
  for (const [token, count] of df) {
    if (token.length < 4 || count > distinctiveDf || GENERIC.has(token) || /^\d+$/.test(token)) continue;
    for (const v of deletionVariants(token)) pushTo(fuzzy, v, token);
  }
  const maxWeight = Math.log(1 + Math.max(1, entries.length));
  return { entries, names, df, postings, joined, fuzzy, byKey, countries, distinctiveDf, maxWeight, genericWeight: 0.05 * maxWeight };
}

function weightOf(index: ListIndex, token: string): number {
  if (GENERIC.has(token)) return index.genericWeight;
  const count = index.df.get(token) ?? 0;
  return count === 0 ? index.maxWeight : Math.log(1 + index.entries.length / count);
}

function isDistinctive(index: ListIndex, token: string): boolean {
  return !GENERIC.has(token) && (index.df.get(token) ?? 0) <= index.distinctiveDf;
}

// ---------------------------------------------------------------------------------------------
// Scoring one name against one listed name

interface Pairing {
  ours: number[];
  theirs: number[];
  similarity: number;
}

/**
 * How well our name matches a listed name, 0–1, before list weights and the country bonus, or
 * null when it is no match: the listed name's distinctive words must all be matched (a listed
 * name without any must be matched word for word, both ways).
 *
 * Words are paired one to one, best pairs first; two adjacent words may pair with one written
 * together. The score is ¾ of the listed name's weight that is matched plus ¼ of ours, each
 * word weighted by its rarity in the lists (IDF), generic words little: a word more or less on
 * our side ("Bremen branch") costs less than a listed word we lack.
 */
export function nameSimilarity(index: ListIndex, ours: readonly string[], theirs: readonly string[]): number | null {
  if (ours.length === 0 || theirs.length === 0) return null;
  const candidates: Pairing[] = [];
  for (let i = 0; i < ours.length; i++) {
    const a = ours[i] ?? "";
    for (let j = 0; j < theirs.length; j++) {
      const b = theirs[j] ?? "";
      const s = tokenSimilarity(a, b);
      if (s > 0) candidates.push({ ours: [i], theirs: [j], similarity: s });
      const nextB = theirs[j + 1];
      if (nextB !== undefined) {
        const sj = tokenSimilarity(a, b + nextB);
        if (sj > 0) candidates.push({ ours: [i], theirs: [j, j + 1], similarity: sj });
      }
      const nextA = ours[i + 1];
      if (nextA !== undefined) {
        const si = tokenSimilarity(a + nextA, b);
        if (si > 0) candidates.push({ ours: [i, i + 1], theirs: [j], similarity: si });
      }
    }
  }
  if (candidates.length === 0) return null;
  candidates.sort((x, y) => y.similarity - x.similarity || y.ours.length + y.theirs.length - (x.ours.length + x.theirs.length));
  const usedOurs = new Set<number>();
  const usedTheirs = new Set<number>();
  const oursMatched = new Map<number, number>();
  const theirsMatched = new Map<number, number>();
  for (const c of candidates) {
    if (c.ours.some((i) => usedOurs.has(i)) || c.theirs.some((j) => usedTheirs.has(j))) continue;
    for (const i of c.ours) {
      usedOurs.add(i);
      oursMatched.set(i, c.similarity);
    }
    for (const j of c.theirs) {
      usedTheirs.add(j);
      theirsMatched.set(j, c.similarity);
    }
  }

  const distinctive = theirs.map((t) => isDistinctive(index, t));
  if (distinctive.some((d) => d)) {
    for (let j = 0; j < theirs.length; j++) if (distinctive[j] && !theirsMatched.has(j)) return null;
  } else {
    // Nothing in the listed name tells it apart: only the same words, all of them, both ways.
    if (theirsMatched.size !== theirs.length || oursMatched.size !== ours.length) return null;
    if ([...theirsMatched.values()].some((s) => s < 1)) return null;
  }

  let theirTotal = 0;
  let theirCovered = 0;
  theirs.forEach((t, j) => {
    const w = weightOf(index, t);
    theirTotal += w;
    theirCovered += w * (theirsMatched.get(j) ?? 0);
  });
  let ourTotal = 0;
  let ourCovered = 0;
  ours.forEach((t, i) => {
    const w = weightOf(index, t);
    ourTotal += w;
    ourCovered += w * (oursMatched.get(i) ?? 0);
  });
  return 0.75 * (theirCovered / theirTotal) + 0.25 * (ourCovered / ourTotal);
}

// ---------------------------------------------------------------------------------------------
// Screening

/** A name to screen: one party named in an answer (free text is split into names first). */
export interface PartyName {
  /** the question the name was given in */
  questionId: string;
  name: string;
  /** ISO code of the party's country, when the interview knows it */
  country?: string | undefined;
}

export const PartyMatchSchema = z.object({
  /** our field: the question the name was given in */
  questionId: z.string(),
  /** our name, as typed */
  partyName: z.string(),
  /** normaliseName(partyName): the key resolutions are kept under */
  normalisedName: z.string(),
  partyCountry: z.string().optional(),
  /** the name or alt name of the entry that matched */
  listedName: z.string(),
  entryId: z.string(),
  entryHash: z.string(),
  /** the list, e.g. "Entity List (EL) - Bureau of Industry and Security" */
  source: z.string(),
  programs: z.array(z.string()),
  entryType: z.string().optional(),
  /** 0–1: name similarity × the list's weight, plus the country bonus, at most 1 */
  score: z.number(),
  /** the name similarity alone */
  nameScore: z.number(),
  /** the party's country is one of the entry's countries */
  countryAgrees: z.boolean(),
  sourceListUrl: z.string().optional(),
  sourceInformationUrl: z.string().optional(),
});
export type PartyMatch = z.infer<typeof PartyMatchSchema>;

/** The settings screening reads (risk-model.yml `party_screening:`). */
export type ScreeningSettings = Pick<PartyScreening, "threshold" | "country_bonus" | "list_weights" | "default_weight">;

/** The settings when a rule set has no `party_screening:` block: the schema's defaults. */
export const DEFAULT_SCREENING_SETTINGS: ScreeningSettings = (({ threshold, country_bonus, list_weights, default_weight }: PartyScreening) => ({
  threshold,
  country_bonus,
  list_weights,
  default_weight,
}))(PartyScreeningSchema.parse({ source: "defaults" }));

export function screeningSettingsOf(ruleSet: RuleSet): ScreeningSettings {
  return ruleSet.riskModel.party_screening ?? DEFAULT_SCREENING_SETTINGS;
}

/** The weight of the list an entry is on: the longest `list_weights` key its source starts with. */
export function listWeight(source: string, settings: ScreeningSettings): number {
  const s = source.toLowerCase();
  let best: { length: number; weight: number } | undefined;
  for (const [prefix, weight] of Object.entries(settings.list_weights)) {
    if (s.startsWith(prefix.toLowerCase()) && (best === undefined || prefix.length > best.length)) best = { length: prefix.length, weight };
  }
  return best?.weight ?? settings.default_weight;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * Screens names against a list set: every entry that one of the names matches at least as well
 * as the threshold, once per name and entry (its best-matching name or alt name), best first.
 * Only names sharing a distinctive word (or one edit away from one) with a listed name are
 * compared at all, so the cost does not grow with the size of the lists.
 */
export function screenNames(index: ListIndex, parties: readonly PartyName[], settings: ScreeningSettings): PartyMatch[] {
  const matches: PartyMatch[] = [];
  for (const party of parties) {
    const ours = nameTokens(party.name);
    if (ours.length === 0) continue;
    const candidates = new Set<number>();
    const lookups = [...ours];
    for (let i = 0; i + 1 < ours.length; i++) lookups.push(`${ours[i]}${ours[i + 1]}`);
    for (const key of lookups) {
      if (isDistinctive(index, key)) for (const n of index.postings.get(key) ?? []) candidates.add(n);
      for (const n of index.joined.get(key) ?? []) candidates.add(n);
      if (key.length >= 4 && !GENERIC.has(key)) {
        for (const variant of deletionVariants(key)) {
          for (const token of index.fuzzy.get(variant) ?? []) {
            if (token !== key && tokenSimilarity(key, token) > 0) for (const n of index.postings.get(token) ?? []) candidates.add(n);
          }
        }
      }
    }
    for (const n of index.byKey.get([...ours].sort().join(" ")) ?? []) candidates.add(n);

    const country = party.country?.toUpperCase();
    const best = new Map<number, PartyMatch>();
    for (const n of candidates) {
      const listed = index.names[n];
      if (listed === undefined) continue;
      const similarity = nameSimilarity(index, ours, listed.tokens);
      if (similarity === null) continue;
      const entry = index.entries[listed.entry];
      if (entry === undefined) continue;
      const countryAgrees = country !== undefined && (index.countries[listed.entry]?.has(country) ?? false);
      const score = round3(Math.min(1, similarity * listWeight(entry.source, settings) + (countryAgrees ? settings.country_bonus : 0)));
      if (score < settings.threshold) continue;
      const previous = best.get(listed.entry);
      if (previous !== undefined && previous.score >= score) continue;
      best.set(listed.entry, {
        questionId: party.questionId,
        partyName: party.name,
        normalisedName: normaliseName(party.name),
        ...(country !== undefined ? { partyCountry: country } : {}),
        listedName: listed.text,
        entryId: entry.id,
        entryHash: entry.hash,
        source: entry.source,
        programs: entry.programs,
        ...(entry.type !== undefined ? { entryType: entry.type } : {}),
        score,
        nameScore: round3(similarity),
        countryAgrees,
        ...(entry.sourceListUrl !== undefined ? { sourceListUrl: entry.sourceListUrl } : {}),
        ...(entry.sourceInformationUrl !== undefined ? { sourceInformationUrl: entry.sourceInformationUrl } : {}),
      });
    }
    matches.push(...best.values());
  }
  return matches.sort((a, b) => b.score - a.score || a.partyName.localeCompare(b.partyName) || a.entryId.localeCompare(b.entryId));
}

// ---------------------------------------------------------------------------------------------
// Parties in the answers

/** What people write when they do not know a party yet: nothing to screen. */
const PLACEHOLDERS = new Set(["unknown", "not known", "n a", "na", "none", "tbd", "tbc", "to be confirmed", "to be determined", "not yet known", "dont know", "do not know"]);

/** The names in a free-text party answer: one per line or separated by ";", without placeholders like "unknown". */
export function splitPartyNames(text: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const part of text.split(/[\r\n;]+/)) {
    const name = part.trim().replace(/\s+/g, " ");
    if (name === "" || !/[\p{L}\p{N}]/u.test(name)) continue;
    const key = name.toLowerCase().replace(/['’]/g, "").replace(/[^\p{L}\p{N}]+/gu, " ").trim();
    if (PLACEHOLDERS.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push(name);
  }
  return out;
}

/**
 * The parties named in a screening's answers: every question in force with `party:` set,
 * split into names. A party's country is the answer to its `party_country` question; without
 * one, the country question right after its question on the same page, else right before it;
 * none when neither is a country question.
 */
export function partiesFromAnswers(ruleSet: RuleSet, answers: Answers): PartyName[] {
  const state = interviewState(ruleSet, answers);
  const parties: PartyName[] = [];
  for (const page of ruleSet.questionnaire.pages) {
    const questions = page.questions;
    questions.forEach((question, i) => {
      if (question.party === undefined) return;
      const value = state.effectiveAnswers[question.id];
      if (typeof value !== "string") return;
      // The rules name the party's country question (`party_country`); without it, a country
      // question right next to the party's, on the same page.
      const neighbour = question.party_country ?? [questions[i + 1], questions[i - 1]].find((q) => q?.type === "country")?.id;
      const countryAnswer = neighbour === undefined ? undefined : state.effectiveAnswers[neighbour];
      const country = typeof countryAnswer === "string" ? countryAnswer : undefined;
      for (const name of splitPartyNames(value)) parties.push({ questionId: question.id, name, ...(country !== undefined ? { country } : {}) });
    });
  }
  return parties;
}

// ---------------------------------------------------------------------------------------------
// Compliance's resolutions

export const RESOLUTION_OUTCOMES = ["confirmed", "not_same_party"] as const;
export type ResolutionOutcome = (typeof RESOLUTION_OUTCOMES)[number];

/** How compliance resolved a potential match: it holds for this name and this version of the entry. */
export interface MatchResolution {
  normalisedName: string;
  entryId: string;
  entryHash: string;
  outcome: ResolutionOutcome;
  decidedAt: Date;
}

/** A resolution as stored: who decided, why, in which screening, on which list set. */
export interface ResolutionRecord extends MatchResolution {
  id: string;
  screeningId: string;
  listSetId: string;
  reason: string;
  decidedBy: string;
}

/**
 * What the matches amount to once compliance's resolutions are applied: "confirmed" when one
 * is confirmed to be the listed party, "potential" while any is unresolved, undefined when
 * there are none left (every one resolved as another party). A resolution holds only for the
 * entry's content it was made on: a changed entry (new hash) is a potential match again.
 */
export function partyMatchState(matches: readonly PartyMatch[], resolutions: readonly MatchResolution[]): "potential" | "confirmed" | undefined {
  const key = (r: { normalisedName: string; entryId: string; entryHash: string }) => `${r.normalisedName}\u0000${r.entryId}\u0000${r.entryHash}`;
  // the newest resolution of a match is the one in force
  const byKey = new Map<string, ResolutionOutcome>();
  for (const r of [...resolutions].sort((a, b) => a.decidedAt.getTime() - b.decidedAt.getTime())) byKey.set(key(r), r.outcome);
  let potential = false;
  for (const m of matches) {
    const outcome = byKey.get(key(m));
    if (outcome === "confirmed") return "confirmed";
    if (outcome === undefined) potential = true;
  }
  return potential ? "potential" : undefined;
}

// ---------------------------------------------------------------------------------------------
// What a screening records of its party screening (kept with its scoring result)

export const MatchResolutionViewSchema = z.object({
  outcome: z.enum(RESOLUTION_OUTCOMES),
  reason: z.string(),
  decidedBy: z.string(),
  /** ISO time */
  decidedAt: z.string(),
});
export type MatchResolutionView = z.infer<typeof MatchResolutionViewSchema>;

export const ScreenedMatchSchema = PartyMatchSchema.extend({ resolution: MatchResolutionViewSchema.optional() });
export type ScreenedMatch = z.infer<typeof ScreenedMatchSchema>;

export const PartyScreeningRecordSchema = z.object({
  /** false: nothing was screened (no list configured, or none imported yet) */
  screened: z.boolean(),
  notScreened: z.enum(["no_lists_configured", "no_list_set"]).optional(),
  listSet: z.object({ id: z.string(), contentHash: z.string(), entryCount: z.number(), importedAt: z.string() }).optional(),
  /** how many names were screened */
  names: z.number(),
  /** potential matches, each with compliance's resolution once there is one */
  matches: z.array(ScreenedMatchSchema),
});
export type PartyScreeningRecord = z.infer<typeof PartyScreeningRecordSchema>;

/** The key a resolution holds for: this name, this entry, this version of the entry. */
export function matchKey(m: { normalisedName: string; entryId: string; entryHash: string }): string {
  return `${m.normalisedName}\u0000${m.entryId}\u0000${m.entryHash}`;
}

/** Matches with the newest resolution of each attached (resolutions made in any screening count). */
export function withResolutions(matches: readonly PartyMatch[], resolutions: readonly ResolutionRecord[]): ScreenedMatch[] {
  const newest = new Map<string, ResolutionRecord>();
  for (const r of resolutions) {
    const k = matchKey(r);
    const seen = newest.get(k);
    if (!seen || seen.decidedAt.getTime() < r.decidedAt.getTime()) newest.set(k, r);
  }
  return matches.map((m) => {
    const r = newest.get(matchKey(m));
    return r ? { ...m, resolution: { outcome: r.outcome, reason: r.reason, decidedBy: r.decidedBy, decidedAt: r.decidedAt.toISOString() } } : { ...m };
  });
}

/** The signal scoring reads from recorded matches: "confirmed" outranks "potential" (open ones). */
export function stateOfScreenedMatches(matches: readonly ScreenedMatch[]): "potential" | "confirmed" | undefined {
  if (matches.some((m) => m.resolution?.outcome === "confirmed")) return "confirmed";
  if (matches.some((m) => m.resolution === undefined)) return "potential";
  return undefined;
}

/** Matches still waiting for compliance to say whether they are the listed party. */
export function openMatches(record: PartyScreeningRecord | undefined): ScreenedMatch[] {
  return (record?.matches ?? []).filter((m) => m.resolution === undefined);
}
