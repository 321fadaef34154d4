import { GoogleAuth } from 'google-auth-library';

/** Where the applier's OAuth 2 access tokens come from (the function's service account on GCP). */
export interface AccessTokenSource {
  /** A valid access token; the source caches it and refreshes it before it expires. */
  getAccessToken(): Promise<string>;
}

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** The part of GoogleAuth the applier uses (a fake stands in for it in tests). */
export type TokenClient = Pick<GoogleAuth, 'getAccessToken'>;

/**
 * Access tokens of Application Default Credentials (on Cloud Run: the metadata server, as the function's
 * service account) with the cloud-platform scope, which both the Container API and GKE accept.
 * google-auth-library caches the token and fetches a new one shortly before it expires.
 */
export function googleAccessTokens(
  client: TokenClient = new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] }),
): AccessTokenSource {
  return {
    async getAccessToken() {
      const token = await client.getAccessToken();
      if (typeof token !== 'string' || token === '') {
        throw new Error('Application Default Credentials returned no access token');
      }
      return token;
    },
  };
}
