// Structured logging (one JSON object per line on stderr) that never prints a secret: every
// secret value the process knows is registered here and replaced before a line is written,
// and Slack-token-shaped strings are masked even when unregistered.
import { LogLevel, type Logger as BoltLogger } from "@slack/bolt";
import type { Logger } from "./log-safe.js";
import { describeError } from "./log-safe.js";

const TOKEN_SHAPES = /\b(xox[abposr]-[A-Za-z0-9-]{6,}|xapp-[A-Za-z0-9-]{6,})/g;
const URL_PASSWORD = /(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/g;

export class RedactingLogger implements Logger {
  private readonly secrets: string[] = [];
  private level: LogLevel = LogLevel.INFO;

  constructor(
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
    private readonly name = "dd-bot",
  ) {}

  /** Registers values that must never appear in a log line. */
  addSecrets(...values: Array<string | undefined>): void {
    for (const v of values) if (v && v.length >= 6 && !this.secrets.includes(v)) this.secrets.push(v);
  }

  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join("[redacted]");
    return out.replace(TOKEN_SHAPES, "[redacted-token]").replace(URL_PASSWORD, "$1[redacted]@");
  }

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.emit("info", message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.emit("warn", message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.emit("error", message, fields);
  }
  debug(message: string, fields?: Record<string, unknown>): void {
    if (this.level === LogLevel.DEBUG) this.emit("debug", message, fields);
  }

  private emit(level: string, message: string, fields?: Record<string, unknown>): void {
    const line = JSON.stringify({ t: new Date().toISOString(), level, name: this.name, msg: message, ...fields }, errorReplacer);
    this.write(this.redact(line));
  }

  /** The same sink, shaped as Bolt's logger (Bolt logs its own errors through it). */
  forBolt(): BoltLogger {
    const self = this;
    let level = LogLevel.WARN;
    const text = (args: unknown[]) => args.map((a) => (a instanceof Error ? describeError(a) : typeof a === "string" ? a : safeJson(a))).join(" ");
    return {
      debug: (...args: unknown[]) => {
        if (level === LogLevel.DEBUG) self.emit("debug", text(args), { from: "bolt" });
      },
      info: (...args: unknown[]) => {
        if (level === LogLevel.DEBUG || level === LogLevel.INFO) self.emit("info", text(args), { from: "bolt" });
      },
      warn: (...args: unknown[]) => self.emit("warn", text(args), { from: "bolt" }),
      error: (...args: unknown[]) => self.emit("error", text(args), { from: "bolt" }),
      setLevel: (l: LogLevel) => {
        level = l;
      },
      getLevel: () => level,
      setName: () => {},
    };
  }
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return describeError(value);
  return value;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, errorReplacer) ?? String(v);
  } catch {
    return String(v);
  }
}
