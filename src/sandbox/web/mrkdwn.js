// Slack's mrkdwn as a tree of tokens, for the sandbox page. Pure (no DOM): blocks.js turns the
// tokens into elements with textContent only, so nothing a person typed can become markup.
//
// What it understands, as Slack does: *bold*, _italic_, ~strike~, `code`, lines starting with
// ">" as quotes, <@U…> mentions, <#C…|name> channels, <!here> <!channel> <!everyone>,
// <!subteam^S…|@name>, <!date^…|fallback>, <https://…|label> links, :emoji: codes, and the
// three escapes &amp; &lt; &gt; (decoded last, for display only). A "&gt;" at the start of a
// line is a ">" someone typed, not a quote.

/** The emoji codes the bot uses, and a few common ones; unknown codes stay as typed. */
export const EMOJI = Object.freeze({
  white_check_mark: "\u2705",
  heavy_check_mark: "\u2714\uFE0F",
  x: "\u274C",
  hourglass_flowing_sand: "\u23F3",
  hourglass: "\u231B",
  no_entry: "\u26D4",
  no_entry_sign: "\uD83D\uDEAB",
  speech_balloon: "\uD83D\uDCAC",
  warning: "\u26A0\uFE0F",
  ballot_box_with_check: "\u2611\uFE0F",
  information_source: "\u2139\uFE0F",
  mag: "\uD83D\uDD0D",
  lock: "\uD83D\uDD12",
  memo: "\uD83D\uDCDD",
  rotating_light: "\uD83D\uDEA8",
  bell: "\uD83D\uDD14",
  thumbsup: "\uD83D\uDC4D",
  "+1": "\uD83D\uDC4D",
  eyes: "\uD83D\uDC40",
  tada: "\uD83C\uDF89",
  red_circle: "\uD83D\uDD34",
  large_orange_circle: "\uD83D\uDFE0",
  large_yellow_circle: "\uD83D\uDFE1",
  large_green_circle: "\uD83D\uDFE2",
});

/** &lt; &gt; &amp; back to the characters; &amp; last, so "&amp;lt;" stays "&lt;". */
export function decodeEntities(text) {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** :code: → emoji, for codes in EMOJI. */
export function emojify(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (all, code) => (Object.hasOwn(EMOJI, code) ? EMOJI[code] : all));
}

/**
 * Block-level tokens: { type: "paragraph" | "quote", children: inline[] }, where an inline
 * token is one of
 *   { type: "text", text }            (decoded, emoji applied)
 *   { type: "code", text }
 *   { type: "bold" | "italic" | "strike", children }
 *   { type: "br" }
 *   { type: "mention", user, label? }  { type: "channel", id, label }  { type: "broadcast", label }
 *   { type: "usergroup", id, label }   { type: "date", text }   { type: "link", url, children }
 */
export function parseMrkdwn(source, options = {}) {
  const now = options.now ?? new Date();
  // Private-use characters stand for the <…> tokens while formatting is parsed; any in the text
  // itself are replaced so they cannot pose as one.
  const text = String(source ?? "").replace(/[\uE000-\uF8FF]/g, "\uFFFD");
  const specials = [];
  const marked = text.replace(/<([^<>\n]*)>/g, (_all, inner) => {
    specials.push(special(inner, now));
    return String.fromCharCode(0xe000 + specials.length - 1);
  });

  const blocks = [];
  for (const line of marked.split("\n")) {
    const quoted = line.startsWith(">");
    const content = quoted ? line.slice(1).replace(/^ /, "") : line;
    const type = quoted ? "quote" : "paragraph";
    const last = blocks[blocks.length - 1];
    const children = inline(content, specials);
    if (last && last.type === type) last.children.push({ type: "br" }, ...children);
    else blocks.push({ type, children });
  }
  return blocks;
}

const MARKERS = { "*": "bold", _: "italic", "~": "strike", "`": "code" };

function isWordChar(ch) {
  return ch !== undefined && /[\p{L}\p{N}]/u.test(ch);
}

/** Formatting inside one line; `specials` replace the private-use placeholders. */
function inline(s, specials) {
  const out = [];
  let plain = "";
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    const kind = MARKERS[ch];
    if (kind !== undefined && !isWordChar(s[i - 1]) && s[i + 1] !== undefined && !/\s/.test(s[i + 1]) && s[i + 1] !== ch) {
      const close = findClose(s, i, ch);
      if (close > i + 1) {
        if (plain) out.push(...textTokens(plain, specials));
        plain = "";
        const content = s.slice(i + 1, close);
        if (kind === "code") out.push({ type: "code", text: restore(content, specials) });
        else out.push({ type: kind, children: inline(content, specials) });
        i = close + 1;
        continue;
      }
    }
    plain += ch;
    i += 1;
  }
  if (plain) out.push(...textTokens(plain, specials));
  return out;
}

function findClose(s, open, ch) {
  for (let j = open + 2; j < s.length; j++) {
    if (s[j] !== ch) continue;
    if (/\s/.test(s[j - 1])) continue;
    if (isWordChar(s[j + 1])) continue;
    return j;
  }
  return -1;
}

/** Plain text with placeholders → text tokens and the special tokens they stand for. */
function textTokens(s, specials) {
  const out = [];
  let buffer = "";
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    if (code >= 0xe000 && code < 0xe000 + specials.length) {
      if (buffer) out.push({ type: "text", text: emojify(decodeEntities(buffer)) });
      buffer = "";
      out.push(specials[code - 0xe000]);
    } else {
      buffer += ch;
    }
  }
  if (buffer) out.push({ type: "text", text: emojify(decodeEntities(buffer)) });
  return out;
}

/** Inside `code`, placeholders go back to what was written. */
function restore(s, specials) {
  let out = "";
  for (const ch of s) {
    const code = ch.charCodeAt(0);
    out += code >= 0xe000 && code < 0xe000 + specials.length ? specials[code - 0xe000].source : ch;
  }
  return decodeEntities(out);
}

/** One <…> sequence as a token (with `source`, the original, for code spans). */
function special(inner, now) {
  const source = `<${inner}>`;
  const [target = "", ...rest] = inner.split("|");
  const label = rest.length > 0 ? decodeEntities(rest.join("|")) : undefined;
  let m;
  if ((m = /^@([UW][A-Z0-9]+)$/.exec(target))) return { type: "mention", user: m[1], label, source };
  if ((m = /^#([CGD][A-Z0-9]+)$/.exec(target))) return { type: "channel", id: m[1], label: label ?? m[1], source };
  if ((m = /^!(here|channel|everyone)$/.exec(target))) return { type: "broadcast", label: `@${m[1]}`, source };
  if ((m = /^!subteam\^(S[A-Z0-9]+)$/.exec(target))) return { type: "usergroup", id: m[1], label: label ?? `@${m[1]}`, source };
  if ((m = /^!date\^(\d+)\^([^^]*)(?:\^.*)?$/.exec(target))) {
    return { type: "date", text: formatSlackDate(Number(m[1]), m[2], label ?? "", now), source };
  }
  if (/^(https?:\/\/|mailto:)/i.test(target)) {
    return { type: "link", url: decodeEntities(target), children: [{ type: "text", text: label ?? decodeEntities(target) }], source };
  }
  return { type: "text", text: decodeEntities(source), source };
}

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** Slack's date tokens in the reader's time zone; the fallback for anything not understood. */
export function formatSlackDate(seconds, format, fallback, now = new Date()) {
  const date = new Date(seconds * 1000);
  if (!Number.isFinite(date.getTime())) return fallback;
  const pad = (n) => String(n).padStart(2, "0");
  const day = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
  const short = `${MONTHS[date.getMonth()].slice(0, 3)} ${date.getDate()}, ${date.getFullYear()}`;
  const long = `${MONTHS[date.getMonth()]} ${date.getDate()}, ${date.getFullYear()}`;
  const pretty = (plain) => {
    const diff = Math.round((day(date) - day(now)) / 86_400_000);
    if (diff === 0) return "today";
    if (diff === -1) return "yesterday";
    if (diff === 1) return "tomorrow";
    return plain;
  };
  const values = {
    date_num: `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`,
    date: long,
    date_short: short,
    date_long: `${date.toLocaleDateString("en-US", { weekday: "long" })}, ${long}`,
    date_pretty: pretty(long),
    date_short_pretty: pretty(short),
    date_long_pretty: pretty(long),
    time: `${pad(date.getHours())}:${pad(date.getMinutes())}`,
    time_secs: `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`,
  };
  let unknown = false;
  const text = format.replace(/\{([a-z_]+)\}/g, (_all, token) => {
    if (Object.hasOwn(values, token)) return values[token];
    unknown = true;
    return "";
  });
  return unknown || text.trim() === "" ? fallback : text;
}
