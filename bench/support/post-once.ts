import { request } from 'node:http';

export interface PostAnswer {
  status: number;
  text: string;
  /** performance.now() when the request was sent and when its answer had arrived whole. */
  sentAt: number;
  answeredAt: number;
}

/** One `POST` on a fresh connection (no keep-alive socket left behind), with an optional JSON body. */
export function postOnce(
  url: string,
  options: { json?: string; timeoutMs?: number } = {},
): Promise<PostAnswer> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const sentAt = performance.now();
    const req = request(url, {
      method: 'POST',
      agent: false,
      timeout: timeoutMs,
      ...(options.json === undefined ? {} : { headers: { 'content-type': 'application/json' } }),
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${url} got no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text, sentAt, answeredAt: performance.now() }),
      );
    });
    req.end(options.json);
  });
}
