// The bot's Web API client: @slack/web-api's WebClient with a shorter path for an ordinary call.
// WebClient.apiCall makes three redacted deep copies of each call (arguments, headers, result) for
// debug lines it builds whatever the log level, and runs every call through a queue and a retry
// loop the bot does not use (it retries through the outbox, and refuses rate-limited calls). For
// a views.update or a chat.postMessage carrying a whole modal or message, that bookkeeping cost
// the main thread more than the call itself.
//
// `apiCall` is WebClient's generic entry point (every `client.chat.postMessage(...)` goes through
// it), so overriding it changes nothing for callers. An ordinary call (text and JSON arguments)
// is sent as WebClient sends it (form-encoded, objects as JSON, Bearer token) and its answer read
// as WebClient reads it, with the same error classes for the same failures, which the delivery
// worker relies on: Slack's refusal → WebAPIPlatformError, a 429 → WebAPIRateLimitedError, another
// status → WebAPIHTTPError, no answer (timeout, lost connection) → WebAPIRequestError with the
// cause. Anything else (file uploads, binary arguments) goes through WebClient unchanged.
import { webApi } from "@slack/bolt";
import { stringify } from "node:querystring";

type CallResult = webApi.WebAPICallResult & Record<string, unknown>;

export interface BotWebClientOptions {
  /** the transport (web-api-transport.ts) */
  fetch: webApi.FetchFunction;
  slackApiUrl?: string;
  /** ms a call may take; 0 for none */
  timeout: number;
  logger: webApi.Logger;
}

export class BotWebClient extends webApi.WebClient {
  private readonly lean: { fetch: webApi.FetchFunction; base: string; timeout: number; log: webApi.Logger };

  constructor(token: string | undefined, options: BotWebClientOptions) {
    // WebClient itself: for the calls left to it. No retries, rate limits refused, as the lean path does.
    super(token, { ...options, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    this.lean = { fetch: options.fetch, base: options.slackApiUrl ?? "https://slack.com/api/", timeout: options.timeout, log: options.logger };
  }

  override async apiCall(method: string, options: Record<string, unknown> = {}): Promise<CallResult> {
    const body = leanBody(options);
    if (body === undefined || method === "files.uploadV2") return (await super.apiCall(method, options)) as CallResult;
    const token = typeof options.token === "string" ? options.token : this.token;
    const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded", ...(token ? { Authorization: `Bearer ${token}` } : {}) };
    let response: Awaited<ReturnType<webApi.FetchFunction>>;
    try {
      response = await this.lean.fetch(`${this.lean.base}${method}`, {
        method: "POST",
        headers,
        body,
        redirect: "error",
        ...(this.lean.timeout > 0 ? { signal: AbortSignal.timeout(this.lean.timeout) } : {}),
      });
    } catch (error) {
      this.lean.log.warn("http request failed", error instanceof Error ? error.message : String(error));
      throw new webApi.WebAPIRequestError(error instanceof Error ? error : new Error(String(error)));
    }
    if (response.status === 429) {
      const retryAfter = Number.parseInt(response.headers.get("retry-after") ?? "", 10);
      if (Number.isNaN(retryAfter)) throw new Error(`Retry header did not contain a valid timeout (url: ${method}, retry-after header: ${response.headers.get("retry-after")})`);
      throw new webApi.WebAPIRateLimitedError(retryAfter);
    }
    if (response.status !== 200) throw new webApi.WebAPIHTTPError(response.status, response.statusText, Object.fromEntries(response.headers.entries()), await response.text());
    const text = await response.text();
    let result: CallResult;
    try {
      result = JSON.parse(text) as CallResult;
    } catch {
      result = { ok: false, error: text };
    }
    // As WebClient adds them: the token's scopes and the ones the method accepts, from the headers.
    const metadata = (result.response_metadata ??= {});
    const scopes = response.headers.get("x-oauth-scopes");
    if (scopes !== null) metadata.scopes = scopes.trim().split(/\s*,\s*/);
    const accepted = response.headers.get("x-accepted-oauth-scopes");
    if (accepted !== null) metadata.acceptedScopes = accepted.trim().split(/\s*,\s*/);
    for (const warning of metadata.warnings ?? []) this.lean.log.warn(warning);
    if (result.ok !== true) throw new webApi.WebAPIPlatformError(result as CallResult & { ok: false; error: string });
    return result;
  }
}

/** The form body WebClient would send, or undefined when an argument is binary (WebClient's own path). */
function leanBody(options: Record<string, unknown>): string | undefined {
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === null || key === "token") continue;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") fields[key] = value;
    else if (Buffer.isBuffer(value) || value instanceof Uint8Array || (typeof value === "object" && typeof (value as { pipe?: unknown }).pipe === "function")) return undefined;
    else fields[key] = JSON.stringify(value);
  }
  return stringify(fields);
}
