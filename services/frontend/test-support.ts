/** Helpers for the frontend's tests: its live feed (`/ws`) seen from a client, fed through Redis; routing state. */
import type { Redis } from 'ioredis';
import { WebSocket, type ClientOptions } from 'ws';
import { CALCULATION_CHANNEL } from '../../core/channels.js';
import { until } from '../../local/test-support/wait.js';
import type { RoutingView } from './routing-view.js';

/** A websocket on the live feed of the frontend at `frontendUrl` (`http://127.0.0.1:<port>/`). */
export function openFeed(frontendUrl: string, options?: ClientOptions): WebSocket {
  return new WebSocket(frontendUrl.replace('http', 'ws') + 'ws', options);
}

/** Every result `socket` receives from now on: the greeting's recent ones, then every batch's. */
export function collectResults(socket: WebSocket): string[] {
  const seen: string[] = [];
  socket.on('message', (data: Buffer) => {
    // Other messages (`routing`) carry no results.
    const message = JSON.parse(data.toString()) as { results?: string[] };
    if (Array.isArray(message.results)) seen.push(...message.results);
  });
  return seen;
}

/** Publishes `text` on `calculation` until it is in `seen` (the frontend may not be subscribed yet). */
export async function publishUntilSeen(
  publisher: Redis,
  seen: readonly string[],
  text: string,
): Promise<void> {
  await until(async () => {
    await publisher.publish(CALCULATION_CHANNEL, text);
    return seen.includes(text);
  });
}

/** `kubectl annotate` arguments that set Spillway's state on the VirtualService `name`, as the applier writes it. */
export function annotateArgs(name: string, annotations: Readonly<Record<string, unknown>>): string[] {
  return [
    'annotate',
    'virtualservice',
    name,
    '--overwrite',
    ...Object.entries(annotations).map(([key, value]) => `${key}=${JSON.stringify(value)}`),
  ];
}

/** Every `routing` message `socket` receives from now on (the view of GET /api/routing). */
export function collectRoutingViews(socket: WebSocket): RoutingView[] {
  const views: RoutingView[] = [];
  socket.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString()) as { type: string; routing?: RoutingView };
    if (message.type === 'routing' && message.routing !== undefined) views.push(message.routing);
  });
  return views;
}
