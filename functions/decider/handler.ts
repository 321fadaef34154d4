import type { HttpFunction } from '@google-cloud/functions-framework';
import { ConfigError, ErrorCode, errorBody } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Decider } from './decider.js';
import type { Decision } from './tick.js';

/** A decision as the HTTP answer lists it. */
export function decisionSummary(d: Decision): Record<string, unknown> {
  return {
    target: d.target,
    tick: d.tick,
    action: d.action,
    ...(d.weights === undefined ? {} : { weights: d.weights }),
    cause: d.cause,
    reason: d.reason,
    ...(d.observed === undefined ? {} : { observed: d.observed }),
    ...(d.id === undefined ? {} : { id: d.id, published: d.published ?? false }),
    ...(d.error === undefined ? {} : { error: d.error }),
  };
}

/**
 * The HTTP function Cloud Scheduler calls (POST; GET is accepted too, for a curl by hand). Answers
 * `{decisions, ticks}`: 200 when every decision due was published, 503 when a publish failed (Cloud
 * Scheduler retries; nothing already published this call is published again), 500 with the reason when
 * the configuration is invalid, 409 while another call runs in this instance, 405 for other methods.
 */
export function deciderHandler(getDecider: () => Decider, logger: Logger): HttpFunction {
  let running = false;
  return async (req, res) => {
    if (req.method !== 'POST' && req.method !== 'GET') {
      res.set('allow', 'GET, POST');
      res
        .status(405)
        .json(errorBody(ErrorCode.MethodNotAllowed, `method ${req.method} not allowed; use POST (or GET)`));
      return;
    }
    let decider: Decider;
    try {
      decider = getDecider();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const code = err instanceof ConfigError ? err.code : ErrorCode.Internal;
      logger.error({ code }, message);
      res.status(500).json(errorBody(code, message));
      return;
    }
    if (running) {
      res.status(409).json(errorBody(ErrorCode.Busy, 'another call is still running in this instance'));
      return;
    }
    running = true;
    try {
      const result = await decider.call();
      const body = { decisions: result.decisions.map(decisionSummary), ticks: result.ticks };
      if (result.publishFailed) {
        res.status(503).json({
          ...body,
          ...errorBody(
            ErrorCode.PublishFailed,
            'a decision could not be published; the call will be retried by Cloud Scheduler',
          ),
        });
      } else {
        res.status(200).json(body);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      logger.error({ err }, `the call failed: ${message}`);
      res.status(500).json(errorBody(ErrorCode.Internal, message));
    } finally {
      running = false;
    }
  };
}
