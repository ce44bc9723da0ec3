// A real OpenID provider for egov's tests (the npm package oidc-provider, OpenID-certified; test-only,
// never shipped). Started by scripts/test on loopback:
//
//   node scripts/lib/oidc-provider.mjs PORT   (run with NODE_PATH / cwd holding node_modules/oidc-provider)
//
// Issuer http://127.0.0.1:PORT. One client, `egov-test` / `egov-test-secret`, a native client so that
// its redirect URI http://127.0.0.1/citizen/callback matches on any loopback port (RFC 8252 §7.3:
// each test server listens on its own port). PKCE is required. Three people sign in on a plain
// login page (login name, any non-empty password), no consent step:
//   citizen1  level 1 (acr urn:egov:loa:1)
//   citizen2  level 2 (acr urn:egov:loa:2)
//   business  level 2, represents two businesses (claim `representations`)
// Claims: name, personal_id (12-digit citizen identity number), representations.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'package.json'));
const Provider = (await import(require.resolve('oidc-provider'))).default;

const port = Number(process.argv[2] || 0);
const issuer = `http://127.0.0.1:${port}`;

const ACCOUNTS = {
  citizen1: {
    acr: 'urn:egov:loa:1',
    claims: { name: 'Nguyễn Văn An', personal_id: '001090000011', representations: [] },
  },
  citizen2: {
    acr: 'urn:egov:loa:2',
    claims: { name: 'Trần Thị Bình', personal_id: '001085000022', representations: [] },
  },
  business: {
    acr: 'urn:egov:loa:2',
    claims: {
      name: 'Lê Văn Cường',
      personal_id: '001080000033',
      representations: [
        { tax_code: '0101234567', name: 'Công ty TNHH Ánh Dương', role: 'legal_representative' },
        { tax_code: '0101234567-001', name: 'Chi nhánh Hà Nội – Công ty TNHH Ánh Dương', role: 'authorised' },
      ],
    },
  },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'egov-test',
    client_secret: 'egov-test-secret',
    application_type: 'native',
    redirect_uris: ['http://127.0.0.1/citizen/callback'],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  acrValues: ['urn:egov:loa:1', 'urn:egov:loa:2'],
  // acr and auth_time in every ID token (the openid scope's claims).
  claims: { acr: null, auth_time: null, sid: null, openid: ['sub', 'acr', 'auth_time'], profile: ['name', 'personal_id', 'representations'] },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  cookies: { keys: ['egov-test-cookie-key'] },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, id) {
    const a = ACCOUNTS[id];
    if (!a) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...a.claims }; } };
  },
  // No consent step: the test client gets what it asks for.
  async loadExistingGrant(ctx) {
    const { Grant } = ctx.oidc.provider;
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const g = await Grant.find(grantId);
      if (g) return g;
    }
    const grant = new Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile');
    grant.addOIDCClaims(['name', 'personal_id', 'representations']);
    await grant.save();
    return grant;
  },
});
provider.proxy = false;

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function page(uid, error) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><main><h1>Test identity provider</h1>${error ? `<p role="alert" id="op-error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
<label for="login">Login</label> <input id="login" name="login" autocomplete="off">
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit" id="op-submit">Sign in</button></form></main><footer>egov test provider</footer></body></html>`;
}

provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/interaction\/([A-Za-z0-9_-]+)$/);
  if (!m) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== m[1]) ctx.throw(400, 'interaction mismatch');
  // A native client is always asked for consent: granted here, without a page.
  if (details.prompt.name === 'consent') {
    const { Grant } = provider;
    const grant = (details.grantId && await Grant.find(details.grantId))
      || new Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    grant.addOIDCScope('openid profile');
    grant.addOIDCClaims(['name', 'personal_id', 'representations']);
    const grantId = await grant.save();
    const to = await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    ctx.status = 303;
    ctx.redirect(to);
    return undefined;
  }
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = page(details.uid);
    return undefined;
  }
  if (ctx.method !== 'POST') ctx.throw(405);
  const form = await readForm(ctx.req);
  const login = form.get('login') || '';
  const account = ACCOUNTS[login];
  if (!account || !form.get('password')) {
    ctx.type = 'html';
    ctx.body = page(details.uid, 'Unknown login or empty password');
    return undefined;
  }
  const redirectTo = await provider.interactionResult(ctx.req, ctx.res, {
    login: { accountId: login, acr: account.acr },
  }, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(redirectTo);
  return undefined;
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
