// A real OpenID Connect provider for the gateway's SSO tests: panva's node-oidc-provider (OpenID Certified), not a
// fake. Configured from the environment by gateway/tests/oidc_harness.py:
//   OIDC_PORT     the port to listen on (127.0.0.1)
//   OIDC_ISSUER   the issuer identifier (default http://127.0.0.1:<port>)
//   OIDC_CLIENTS  JSON list of {client_id, client_secret, redirect_uris, id_token_ttl?}
// Sign-in is the library's own development interaction (a login form that takes any login and password, then a
// consent form), which the tests fill in over HTTP like a browser. PKCE (S256) is required of every client.
// The account named at the login form gets the claims sub, preferred_username (the campus number), name and
// user_type ("teacher" when the login starts with "t", else "student").
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 0);
const issuer = process.env.OIDC_ISSUER || `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.OIDC_CLIENTS || '[]');
const idTokenTtl = Object.fromEntries(clients.map((c) => [c.client_id, c.id_token_ttl || 3600]));

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'test-rs256' };

const provider = new Provider(issuer, {
  clients: clients.map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'user_type'] },
  // The claims of the requested scopes go into the ID token itself (the gateway reads no userinfo).
  conformIdTokenClaims: false,
  ttl: {
    IdToken: (ctx, token, client) => idTokenTtl[client.clientId] || 3600,
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 600,
    Grant: 600,
    AccessToken: 600,
  },
  cookies: { keys: ['test-cookie-key-0123456789'] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          preferred_username: id,
          name: `测试${id}`,
          user_type: id.startsWith('t') ? 'teacher' : 'student',
        };
      },
    };
  },
});
provider.proxy = false;

const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
