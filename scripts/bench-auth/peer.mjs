// The peer for the client-authentication benchmark: node-oidc-provider set up
// like Portico's bench tenant. Run from the peer harness's oidc-provider folder
// (where its node_modules are). Env: PORT, CLIENT_JWKS (file with the public
// JWKS of the private_key_jwt client).
//   bench-client  client_secret_basic (DPoP proofs accepted: the feature is on, no nonce)
//   bench-pkjwt   private_key_jwt, ES256
// Both: client_credentials only; every token is a signed ES256 JWT access token.
import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import Provider, { errors } from 'oidc-provider';

const PORT = Number.parseInt(process.env.PORT || '3100', 10);
const ISSUER = `http://127.0.0.1:${PORT}`;
const RESOURCE = 'https://rs.bench.test/api';
const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
const clientJwks = JSON.parse(readFileSync(process.env.CLIENT_JWKS, 'utf8'));
const common = {
  grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'api:read',
  id_token_signed_response_alg: 'ES256', // the provider holds only an ES256 key
};

const provider = new Provider(ISSUER, {
  clients: [
    { ...common, client_id: 'bench-client', client_secret: 'bench-secret', token_endpoint_auth_method: 'client_secret_basic' },
    { ...common, client_id: 'bench-pkjwt', token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256', jwks: clientJwks },
  ],
  jwks: { keys: [{ ...signing, kid: 'es256-1', use: 'sig', alg: 'ES256' }] },
  scopes: ['api:read'],
  cookies: { keys: ['bench-cookie-key-not-secret'] },
  features: {
    clientCredentials: { enabled: true },
    dPoP: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx, _client, oneOf) => oneOf ?? RESOURCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        if (indicator !== RESOURCE) throw new errors.InvalidTarget();
        return { scope: 'api:read', audience: RESOURCE, accessTokenTTL: 3600, accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } } };
      },
    },
  },
  ttl: { ClientCredentials: 3600 },
});
provider.on('server_error', (_ctx, err) => console.error('server_error', err));
provider.listen(PORT, '127.0.0.1', () => console.log(`peer on ${ISSUER}`));
