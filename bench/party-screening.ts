// Restricted-party screening on its own: building the matcher's index of a generated list of
// 20,000 entries (about the size of the US Consolidated Screening List), then screening 10 names
// against it, as a screening does when its parties are saved. The list is synthetic (made-up
// words, the lists' common words and legal forms, alt names, addresses in many countries), so
// the bench needs no download.
import { performance } from "node:perf_hooks";
import { buildListIndex, DEFAULT_SCREENING_SETTINGS, screenNames, type ListEntry, type ListEntryContent, type PartyName } from "../src/domain/party-matching.js";
import { entryHash } from "../src/lists/csl.js";
import { round, summarize } from "./stats.js";

export interface PartyScreeningResult {
  entries: number;
  names: number;
  /** building the index once (per list set), ms */
  indexBuildMs: number;
  /** screening all the names once, ms */
  screenMs: { p50: number; p99: number; max: number };
  rounds: number;
  /** matches found per round: the names taken from the list are found, the others not */
  matches: number;
}

/** A small deterministic PRNG (mulberry32): the same list on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ["ka", "lo", "ve", "mar", "tin", "dor", "sa", "ri", "pel", "qua", "zen", "bro", "vik", "an", "tel", "gra", "mos", "ul", "fen", "dra", "kor", "lis", "neb", "or", "pha", "rum", "sol", "tav", "yun", "zha", "chen", "hai", "xin", "bek", "gul", "nur", "tash", "vost", "sev", "yar"];
const COMMON = ["International", "Trading", "Technologies", "Group", "Security", "Global", "Systems", "Services", "Industries", "Holding", "Engineering", "Electronics", "Solutions", "Import Export", "Logistics", "Research Institute", "Aviation", "Shipping", "General Trading", "Defence", "Precision Instruments", "Communication", "Network", "Scientific Production", "Tekhnologii", "Industrial"];
const FORMS = ["LLC", "Ltd", "Co., Ltd.", "GmbH", "FZE", "FZ-LLC", "JSC", "OOO", "AO", "PJSC", "SA", "S.A.R.L.", "Sdn Bhd", "Pte Ltd", "Limited", "Inc.", "Company", ""];
const COUNTRIES = ["CN", "RU", "IR", "AE", "TR", "HK", "BY", "KP", "SY", "MM", "VE", "PK", "LB", "KZ", "AM", "GE", "MY", "SG", "TH", "IN"];
const SOURCES = [
  "Entity List (EL) - Bureau of Industry and Security",
  "Specially Designated Nationals (SDN) - Treasury Department",
  "Military End User (MEU) List - Bureau of Industry and Security",
  "Unverified List (UVL) - Bureau of Industry and Security",
  "Nonproliferation Sanctions (ISN) - State Department",
];

function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)] as T;
}

function word(rnd: () => number): string {
  const n = 2 + Math.floor(rnd() * 2);
  let w = "";
  for (let i = 0; i < n; i++) w += pick(rnd, SYLLABLES);
  return w.charAt(0).toUpperCase() + w.slice(1);
}

function companyName(rnd: () => number): string {
  const distinctive = rnd() < 0.3 ? `${word(rnd)} ${word(rnd)}` : word(rnd);
  const common = rnd() < 0.8 ? ` ${pick(rnd, COMMON)}` : "";
  const more = rnd() < 0.3 ? ` ${pick(rnd, COMMON)}` : "";
  const form = pick(rnd, FORMS);
  return `${distinctive}${common}${more}${form ? ` ${form}` : ""}`;
}

/** `count` synthetic CSL entries, the same for the same seed. */
export function syntheticListEntries(count: number, seed = 20_000): ListEntry[] {
  const rnd = prng(seed);
  const entries: ListEntry[] = [];
  for (let i = 0; i < count; i++) {
    const individual = rnd() < 0.25;
    const name = individual ? `${word(rnd).toUpperCase()}, ${word(rnd)} ${word(rnd)}` : companyName(rnd);
    const alts = rnd() < 0.4 ? Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => (individual ? `${word(rnd).toUpperCase()}, ${word(rnd)}` : companyName(rnd))) : [];
    const country = pick(rnd, COUNTRIES);
    const source = pick(rnd, SOURCES);
    const content: ListEntryContent = {
      id: `synthetic-${i.toString(16).padStart(6, "0")}`,
      source,
      type: individual ? "Individual" : "Entity",
      programs: [source.startsWith("Specially") ? "SDGT" : "EAR"],
      name,
      altNames: alts,
      addresses: [{ text: `${1 + Math.floor(rnd() * 200)} ${word(rnd)} Street, ${word(rnd)}, ${country}`, country }],
      citizenships: individual ? [country] : [],
      nationalities: [],
      sourceListUrl: "https://lists.example.org/csl",
    };
    entries.push({ ...content, hash: entryHash(content) });
  }
  return entries;
}

/** 10 names: four entries of the list written another way, six that are on no list. */
export function screeningNames(entries: readonly ListEntry[]): PartyName[] {
  const at = (i: number) => entries[Math.floor((i * entries.length) / 4) + 7]?.name ?? "";
  const reorder = (n: string) => n.split(" ").reverse().join(" ");
  return [
    { questionId: "end_user_name", name: at(0).toUpperCase(), country: "CN" },
    { questionId: "consignee_name", name: reorder(at(1)) },
    { questionId: "intermediaries_names", name: at(2).replace(/\b(LLC|Ltd|GmbH|FZE|JSC|OOO|AO)\b/, "Limited") },
    { questionId: "intermediaries_names", name: at(3).toLowerCase() },
    { questionId: "intermediaries_names", name: "International Trading Company" },
    { questionId: "intermediaries_names", name: "Global Security Technologies LLC" },
    { questionId: "intermediaries_names", name: "Nordic Secure AB" },
    { questionId: "intermediaries_names", name: "Baltic Freight Forwarding SIA" },
    { questionId: "end_user_name", name: "City of Bremen fire department" },
    { questionId: "consignee_name", name: "Example Research Institute of Systems Engineering" },
  ];
}

export function measurePartyScreening(opts: { entries?: number; rounds?: number } = {}): PartyScreeningResult {
  const entries = syntheticListEntries(opts.entries ?? 20_000);
  let t0 = performance.now();
  const index = buildListIndex(entries);
  const indexBuildMs = performance.now() - t0;
  const names = screeningNames(entries);
  const settings = DEFAULT_SCREENING_SETTINGS;
  for (let i = 0; i < 5; i++) screenNames(index, names, settings);
  const rounds = opts.rounds ?? 200;
  const samples: number[] = [];
  let matches = 0;
  for (let i = 0; i < rounds; i++) {
    t0 = performance.now();
    matches = screenNames(index, names, settings).length;
    samples.push(performance.now() - t0);
  }
  const s = summarize(samples.map((x) => round(x, 3)));
  return { entries: entries.length, names: names.length, indexBuildMs: Math.round(indexBuildMs), screenMs: { p50: s.p50, p99: s.p99, max: s.max }, rounds, matches };
}
