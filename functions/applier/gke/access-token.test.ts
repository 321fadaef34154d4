import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { googleAccessTokens, type TokenClient } from './access-token.js';

/** A stand-in for GoogleAuth at the client boundary: answers what it is given. */
const client = (answer: string | null | undefined): TokenClient =>
  ({ getAccessToken: () => Promise.resolve(answer) }) as unknown as TokenClient;

describe('googleAccessTokens', () => {
  test("passes GoogleAuth's token through", async () => {
    assert.equal(await googleAccessTokens(client('ya29.token')).getAccessToken(), 'ya29.token');
  });

  for (const answer of [null, undefined, '']) {
    test(`no token (${JSON.stringify(answer)}) is a clear error`, async () => {
      await assert.rejects(googleAccessTokens(client(answer)).getAccessToken(), {
        message: 'Application Default Credentials returned no access token',
      });
    });
  }

  test("GoogleAuth's own errors come through", async () => {
    const failing = {
      getAccessToken: () => Promise.reject(new Error('Could not load the default credentials.')),
    } as unknown as TokenClient;
    await assert.rejects(
      googleAccessTokens(failing).getAccessToken(),
      /Could not load the default credentials/,
    );
  });
});
