import type { FastifyError, FastifyInstance } from 'fastify';
import { ErrorCode, SpillwayError, errorBody } from '../../core/errors.js';

/**
 * Every error answer is `{"error": {"code", "message"}}` with a stable code, never a stack trace. Client
 * errors keep their precise message; server errors are logged and answered with a generic one.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | SpillwayError, request, reply) => {
    if (error instanceof SpillwayError) {
      if (error.httpStatus >= 500) request.log.debug({ code: error.code, cause: error.cause }, error.message);
      return reply.code(error.httpStatus).send(errorBody(error.code, error.message));
    }
    const status = error.statusCode ?? 500;
    if (error.validation) {
      return reply.code(400).send(errorBody(ErrorCode.BadRequest, `invalid request: ${error.message}`));
    }
    if (status === 413) return reply.code(413).send(errorBody(ErrorCode.BodyTooLarge, error.message));
    if (status === 415) return reply.code(415).send(errorBody(ErrorCode.UnsupportedMediaType, error.message));
    if (status === 405) return reply.code(405).send(errorBody(ErrorCode.MethodNotAllowed, error.message));
    if (status >= 400 && status < 500) {
      const code = error.code?.startsWith('FST_ERR_CTP') ? ErrorCode.InvalidJson : ErrorCode.BadRequest;
      return reply.code(status).send(errorBody(code, error.message));
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send(errorBody(ErrorCode.Internal, 'internal error'));
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(errorBody(ErrorCode.NotFound, `no route ${request.method} ${request.url}`)),
  );
}
