import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCode, errorBody } from '../../core/errors.js';

/** Status and message by Node's error code; anything else is a malformed request. */
const PARSER_ERRORS: Readonly<Record<string, readonly [number, string]>> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request timed out'],
  HPE_HEADER_OVERFLOW: [431, 'request headers too large'],
};

/**
 * Answers a request that Node's HTTP parser rejected before fastify saw it (a malformed Content-Length,
 * oversized headers, a header timeout) with the same JSON error shape as every other error, then closes
 * the connection.
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] = PARSER_ERRORS[err.code ?? ''] ?? [400, 'malformed HTTP request'];
  const body = JSON.stringify(errorBody(ErrorCode.BadRequest, message));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
