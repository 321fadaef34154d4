/**
 * Which Pub/Sub the local stack uses: the emulator when it can run, otherwise (in `auto`) direct push
 * requests to the applier, with the reason said in the log.
 */
import { startPubSubEmulator, type PubSubEmulator } from '../pubsub-emulator.js';

export type PubSubChoice =
  { emulator: PubSubEmulator; reason?: undefined } | { emulator?: undefined; reason: string };

/**
 * Starts the emulator unless `mode` is `direct`. In `emulator` mode a failure rejects (with the command
 * that installs it); in `auto` mode it resolves with the reason instead.
 */
export async function choosePubSub(
  mode: 'emulator' | 'direct' | 'auto',
  logFile: string,
): Promise<PubSubChoice> {
  if (mode === 'direct') return { reason: 'direct push was asked for' };
  try {
    return { emulator: await startPubSubEmulator({ logFile, projectId: 'spillway-local' }) };
  } catch (err) {
    if (mode === 'emulator') throw err;
    const message = err instanceof Error ? err.message : String(err);
    return { reason: message.split('\n')[0] ?? message };
  }
}
