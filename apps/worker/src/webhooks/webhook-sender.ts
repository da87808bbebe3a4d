import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { AddressGuard } from './address-guard.js';

/** What one attempt found: a status code, or an error that stopped it before one arrived. */
export interface SendResult {
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** The first bytes of the answer (at most RESPONSE_HEAD_BYTES), as text. */
  responseHead: string | null;
}

/** What is kept of an answer's body; the rest is not read (a huge answer cannot tie up a worker). */
export const RESPONSE_HEAD_BYTES = 1024;

/**
 * One POST to a receiver. The connection goes only to an address the guard allows (its lookup is the
 * agent's, so the address checked is the one connected to), redirects are not followed (a 3xx is a
 * failed attempt: following it would reach an address nobody checked), the whole attempt is cut at
 * `timeoutMs`, and at most RESPONSE_HEAD_BYTES of the body are read before the socket is closed.
 */
export class WebhookSender {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(
    private readonly guard: AddressGuard,
    private readonly timeoutMs: number,
  ) {
    this.httpAgent = new http.Agent({ lookup: guard.lookup, keepAlive: false });
    this.httpsAgent = new https.Agent({ lookup: guard.lookup, keepAlive: false });
  }

  send(target: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const started = Date.now();
    const result = (statusCode: number | null, error: string | null, head: Buffer | null): SendResult => ({
      statusCode,
      latencyMs: Date.now() - started,
      error,
      responseHead: head && head.length > 0 ? head.toString('utf8') : null,
    });
    const url = new URL(target);
    // A literal IP is connected to without a lookup: check it here.
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) !== 0) {
      const refusal = this.guard.refusal(literal);
      if (refusal) return Promise.resolve(result(null, `refused: ${refusal}`, null));
    }
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (value: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.destroy();
        resolve(value);
      };
      const request = (url.protocol === 'https:' ? https : http).request(url, {
        method: 'POST',
        agent: url.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
        headers: { 'content-type': 'application/json', 'user-agent': 'Slipway-Webhooks/1', ...headers, 'content-length': String(Buffer.byteLength(body)) },
      });
      const timer = setTimeout(() => finish(result(null, `timed out after ${this.timeoutMs} ms`, null)), this.timeoutMs);
      request.on('error', (error: Error) => {
        const message = error.name === 'RefusedAddressError' ? `refused: ${error.message}` : error.message;
        finish(result(null, message.slice(0, 500), null));
      });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        const done = () => finish(result(response.statusCode ?? null, null, Buffer.concat(chunks)));
        response.on('data', (chunk: Buffer) => {
          const room = RESPONSE_HEAD_BYTES - kept;
          if (room > 0) {
            chunks.push(chunk.subarray(0, room));
            kept += Math.min(room, chunk.length);
          }
          if (kept >= RESPONSE_HEAD_BYTES) done();
        });
        response.on('end', done);
        response.on('error', done);
      });
      request.end(body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
