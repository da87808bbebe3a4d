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
    const response = await fetch(`${this.baseUrl}${path}`, {
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
