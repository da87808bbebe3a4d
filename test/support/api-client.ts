import { waitFor } from './wait-for.js';

export interface ReleaseJson {
  id: number;
  status: string;
  exitCode: number | null;
  reason: string | null;
  workerId: string | null;
  logLines: number;
  startedAt: string | null;
  finishedAt: string | null;
  recap: Record<string, Record<string, number>> | null;
  [key: string]: unknown;
}

/**
 * How long one request may take, answer read whole, before it fails naming itself. Longer than the API's
 * own retry budget (DB_RETRY_BUDGET_MS, 120 s: a request may wait out a database restart), so it never
 * cuts a slow answer short; without it, a request the API never answered hung its caller, and a waitFor
 * polling with it, with no deadline at all.
 */
const REQUEST_TIMEOUT_MS = 150_000;

/** A thin fetch wrapper for tests: JSON in, {status, body} out, optional bearer token. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    public token?: string,
  ) {}

  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T; text: string; headers: Headers }> {
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    try {
      return await this.send<T>(method, path, body, headers, signal);
    } catch (error) {
      if (signal.aborted) throw new Error(`${method} ${path}: no answer within ${REQUEST_TIMEOUT_MS} ms`, { cause: error });
      throw error;
    }
  }

  private async send<T>(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<{ status: number; body: T; text: string; headers: Headers }> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      signal,
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // plain text (logs) stays as is
    }
    return { status: response.status, body: parsed as T, text, headers: response.headers };
  }

  async createRelease(input: Record<string, unknown>, headers: Record<string, string> = {}): Promise<ReleaseJson> {
    const { status, body, text } = await this.request<ReleaseJson>('POST', '/api/v1/releases', input, headers);
    if (status !== 201 && status !== 200) throw new Error(`create release answered ${status}: ${text}`);
    return body;
  }

  async getRelease(id: number): Promise<ReleaseJson> {
    const { status, body, text } = await this.request<ReleaseJson>('GET', `/api/v1/releases/${id}`);
    if (status !== 200) throw new Error(`get release ${id} answered ${status}: ${text}`);
    return body;
  }

  async log(id: number, after = 0): Promise<string> {
    const { text } = await this.request('GET', `/api/v1/releases/${id}/log?after=${after}`);
    return text;
  }

  /** Waits until the release reaches one of `statuses` (deadline, not a fixed sleep). */
  waitForRelease(id: number, statuses: string[], timeoutMs = 60_000): Promise<ReleaseJson> {
    return waitFor(
      `release ${id} to become ${statuses.join(' or ')}`,
      async () => {
        const release = await this.getRelease(id);
        return statuses.includes(release.status) ? release : undefined;
      },
      { timeoutMs, intervalMs: 150 },
    );
  }
}
