import type { FieldError } from '@slipway/contracts';

/** An answer other than 2xx: the API's message, and its per-field errors when it named fields. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly fieldErrors: FieldError[] = [],
  ) {
    super(message);
  }
}

type Unauthorized = () => void;
let onUnauthorized: Unauthorized = () => undefined;

/** Called when any request answers 401 (the session expired or was revoked): the app shows sign-in. */
export function setUnauthorizedHandler(handler: Unauthorized): void {
  onUnauthorized = handler;
}

/**
 * JSON request to the API with the session cookie. Every state-changing request carries the CSRF header:
 * a cross-site form cannot set it, and a cross-site fetch that sets it needs a CORS preflight the API refuses.
 */
export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-slipway-csrf'] = '1';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check your connection and try again.');
  }
  const text = await response.text();
  const json = parseJson(text);
  if (!response.ok) {
    if (response.status === 401 && path !== '/api/v1/session') onUnauthorized();
    throw toApiError(response.status, json, text);
  }
  return json as T;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function toApiError(status: number, json: unknown, text: string): ApiError {
  if (json && typeof json === 'object') {
    const body = json as { message?: unknown; errors?: unknown };
    const message = Array.isArray(body.message) ? body.message.join('; ') : typeof body.message === 'string' ? body.message : `request failed (${status})`;
    const errors = Array.isArray(body.errors) ? body.errors.filter(isFieldError) : [];
    return new ApiError(status, message, errors);
  }
  return new ApiError(status, text.trim() || `request failed (${status})`);
}

function isFieldError(value: unknown): value is FieldError {
  const e = value as FieldError;
  return typeof e === 'object' && e !== null && typeof e.field === 'string' && typeof e.message === 'string';
}
