// A real OpenID Connect provider for the sign-in tests (tests/api/web_sign_in.rs), built on
// panva's `oidc-provider`. Test harness only: nothing here is used to build or run the service.
//
//   node tests/js/provider.mjs <port> <redirect_uri>
//
// Listens on 127.0.0.1:<port> with issuer http://127.0.0.1:<port>, prints exactly
// `ready http://127.0.0.1:<port>` on stdout once it listens, and exits when its stdin closes
// (the test holds the pipe) or on SIGTERM/SIGINT.
//
// One confidential client: client_id `equal-terms`, secret `test-secret`, the given redirect
// URI, post-logout redirects to the same origin + `/` and `/signed-out`; authorization code
// flow only, PKCE (S256)
// required. The provider's own development login and consent forms are used
// (`devInteractions`): the login form takes any login name (the password is ignored), and the
// account is looked up by that name:
//
//   officer    name "Ulla Handläggare", groups ["et-officers"], org = $OIDC_TEST_ORG (default
//              "lst-test", the test organisation of tests/api/helpers.rs)
//   stranger   groups ["nobody"]       (maps to no role: the app must refuse the sign-in)
//   other-org  groups ["et-officers"], org "OTHER" (an unknown organisation: refused)
//
// The claims `name`, `groups` (array) and `org` (string) are in the ID token (scope `profile`;
// `conformIdTokenClaims: false` puts scope claims in the ID token of the code flow too).

import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
if (!/^\d+$/.test(port ?? '') || !redirectUri) {
  console.error('usage: node tests/js/provider.mjs <port> <redirect_uri>');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const appOrigin = new URL(redirectUri).origin;
const officerOrg = process.env.OIDC_TEST_ORG || 'lst-test';

const ACCOUNTS = {
  officer: { name: 'Ulla Handläggare', groups: ['et-officers'], org: officerOrg },
  stranger: { name: 'Sven Obehörig', groups: ['nobody'], org: officerOrg },
  'other-org': { name: 'Anna Annanstans', groups: ['et-officers'], org: 'OTHER' },
};

// A fresh signing key per run (instead of the library's development keys, which it warns about).
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

const configuration = {
  clients: [
    {
      client_id: 'equal-terms',
      client_secret: 'test-secret',
      redirect_uris: [redirectUri],
      // The app's start page, and its /signed-out page (where the foundation sends people back).
      post_logout_redirect_uris: [`${appOrigin}/`, `${appOrigin}/signed-out`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  responseTypes: ['code'],
  pkce: { required: () => true }, // S256 is the only method this version accepts
  scopes: ['openid', 'profile', 'email'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'groups', 'org'],
    email: ['email', 'email_verified'],
  },
  conformIdTokenClaims: false,
  async findAccount(_ctx, sub) {
    const account = ACCOUNTS[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          name: account.name,
          groups: account.groups,
          org: account.org,
          email: `${sub}@example.test`,
          email_verified: true,
        };
      },
    };
  },
  features: {
    devInteractions: { enabled: true }, // the provider's own login and consent pages
    rpInitiatedLogout: { enabled: true },
  },
  jwks: { keys: [signingKey] },
  cookies: { keys: ['test-only-cookie-key-0123456789abcdef'] },
  ttl: { AuthorizationCode: 120, IdToken: 600, AccessToken: 600, Session: 3600, Interaction: 600, Grant: 3600 },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html lang="en"><head><title>oops</title></head><body><h1>oops</h1><pre>${
      Object.entries(out).map(([k, v]) => `${k}: ${String(v).replace(/[<>&]/g, '')}`).join('\n')
    }</pre></body></html>`;
  },
};

const provider = new Provider(issuer, configuration);
// Plain HTTP on loopback: no proxy in front, so the request's own protocol is trusted as is
// (cookies are not marked Secure because the request is not secure).
provider.proxy = false;
provider.on('server_error', (_ctx, err) => console.error('provider server_error:', err));

const server = provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
server.on('error', (err) => {
  console.error(`provider: cannot listen on 127.0.0.1:${port}: ${err.message}`);
  process.exit(1);
});

function stop() {
  server.close();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
