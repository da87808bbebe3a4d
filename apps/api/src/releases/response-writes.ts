import type { Response } from 'express';

/**
 * Writes `chunk` and waits while the client is slower than we are. Resolves false (and never hangs) once
 * the client has gone: a download or stream must stop then, not wait for a 'drain' that never comes.
 */
export function writeOrClose(response: Response, chunk: string): Promise<boolean> {
  if (response.destroyed || response.writableEnded) return Promise.resolve(false);
  if (response.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve(!response.destroyed && !response.writableEnded);
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
