import Type from 'typebox';
import { LogLevels } from '../logger.js';

/** Schema pieces shared by the deployables' config schemas. */

export const LogLevelSchema = Type.Union(
  LogLevels.map((level) => Type.Literal(level)),
  { default: 'info' },
);

export const portSchema = (defaultPort: number) =>
  Type.Integer({ minimum: 1, maximum: 65535, default: defaultPort });

export const RedisUrlSchema = Type.String({
  pattern: '^rediss?://',
  default: 'redis://127.0.0.1:6379',
  description: 'a redis:// or rediss:// URL',
});

export const HttpUrlSchema = (defaultUrl: string) =>
  Type.String({
    pattern: '^https?://[^\\s]+$',
    default: defaultUrl,
    description: 'an http:// or https:// URL',
  });

/** The address to listen on: all interfaces in a pod; tests set 127.0.0.1. */
export const HostSchema = Type.String({ minLength: 1, default: '0.0.0.0' });

export const millisecondsSchema = (defaultMs: number, maximum = 600_000) =>
  Type.Integer({ minimum: 1, maximum, default: defaultMs });
