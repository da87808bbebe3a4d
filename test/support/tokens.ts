import type { ApiClient } from './api-client.js';

export type Role = 'viewer' | 'deployer' | 'approver' | 'admin';

/** Creates a token through the API (the client must be an admin) and returns its value. */
export async function createToken(admin: ApiClient, name: string, role: Role): Promise<string> {
  const { status, body, text } = await admin.request<{ token: string }>('POST', '/api/v1/tokens', { name, role });
  if (status !== 201) throw new Error(`creating token ${name} answered ${status}: ${text}`);
  return body.token;
}

/** Signs in like the dashboard does and returns the Cookie header value for the session. */
export async function signIn(baseUrl: string, token: string): Promise<{ cookie: string; setCookie: string }> {
  const response = await fetch(`${baseUrl}/api/v1/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  const setCookie = response.headers.get('set-cookie') ?? '';
  if (response.status !== 200) throw new Error(`sign-in answered ${response.status}: ${await response.text()}`);
  await response.text();
  return { cookie: setCookie.split(';')[0] ?? '', setCookie };
}
