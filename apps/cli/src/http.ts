import { CliError } from './exit-codes.js';

const REQUEST_TIMEOUT_MS = 30_000;

export interface ApiResponse<T> {
  status: number;
  body: T;
  text: string;
}

/** The Slipway HTTP API as the CLI sees it: SLIPWAY_URL, SLIPWAY_TOKEN, JSON in and out. */
export class SlipwayHttp {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | undefined,
  ) {}

  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): SlipwayHttp {
    const url = env.SLIPWAY_URL || 'http://127.0.0.1:3000';
    try {
      new URL(url);
    } catch {
      throw new CliError(`SLIPWAY_URL is not a URL: ${url}`);
    }
    // Every path the CLI asks for starts with /api/v1 already; a URL copied from the API docs often ends with it too.
    return new SlipwayHttp(url.replace(/\/+$/, '').replace(/\/api\/v1$/, ''), env.SLIPWAY_TOKEN || undefined);
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    if (!this.token) throw new CliError(
        'SLIPWAY_TOKEN is not set: export SLIPWAY_TOKEN=<token>, e.g. the admin token `npm start` prints (the API\'s SLIPWAY_BOOTSTRAP_TOKEN), ' +
          'or one made with `slipway token create --name ci --role deployer` by an admin',
      );
    return { authorization: `Bearer ${this.token}`, ...extra };
  }

  /**
   * Any answer that is not 2xx (or one of `answers`, statuses the caller reads itself) becomes a CliError
   * carrying the API's message (which names the field). `timeoutMs`: for a route that rightly takes longer.
   */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
    { answers = [], timeoutMs = REQUEST_TIMEOUT_MS }: { answers?: number[]; timeoutMs?: number } = {},
  ): Promise<ApiResponse<T>> {
    const headers = this.headers({ ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...extraHeaders });
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new CliError(`cannot reach Slipway at ${this.baseUrl}: ${describeFetchError(error)}`);
    }
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // text/plain (logs)
    }
    if (!response.ok && !answers.includes(response.status)) throw new CliError(`${method} ${path}: ${response.status} ${apiMessage(parsed, text)}`);
    return { status: response.status, body: parsed as T, text };
  }
}

export function apiMessage(parsed: unknown, text: string): string {
  if (parsed && typeof parsed === 'object' && 'message' in parsed) return String((parsed).message);
  return text.slice(0, 500);
}

export function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
