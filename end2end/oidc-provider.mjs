// A real OpenID Connect provider for the tests: npm `oidc-provider`, the
// certified reference implementation, with one client and a few people.
//
// Its sign-in page is the package's development page: any password is
// accepted for the people below (what is tested is our side of the flow).
// Consent is given at once for the test client (a first-party app).
//
// Environment:
//   OIDC_PORT           port to listen on (0: any; the port is printed)
//   OIDC_ISSUER         the issuer (default http://127.0.0.1:OIDC_PORT); a
//                       test that puts a proxy in front names the proxy here
//   OIDC_REDIRECT_URIS  the client's redirect URIs, comma-separated
//   OIDC_CLAIMS_IN_ID_TOKEN=1  put email claims in the ID token too (by
//                       default they come from the userinfo endpoint only)
//
// Prints `listening on PORT` once it accepts connections.

import { createServer } from "node:http";

import Provider from "oidc-provider";

const CLIENT_ID = "aiconvokit-test";
const CLIENT_SECRET = "test-client-secret-not-for-production";

// The people who can sign in (their login name is their account id).
const PEOPLE = {
  ada: { email: "ada@example.com", email_verified: true, name: "Ada Lovelace" },
  grace: { email: "Grace.Hopper@Example.COM", email_verified: true, name: "Grace Hopper" },
  eve: { email: "eve@example.com", email_verified: false, name: "Eve Unverified" },
  pat: { email: "pat@example.com", email_verified: true, name: "Pat Browser" },
  nomail: { name: "No Email" },
};

// Whoever started this may stop reading its output: that is no reason to stop.
process.stdout.on("error", () => {});

const port = Number(process.env.OIDC_PORT ?? 0);
const redirectUris = (process.env.OIDC_REDIRECT_URIS ?? "")
  .split(",")
  .map((uri) => uri.trim())
  .filter(Boolean);
if (redirectUris.length === 0) {
  console.error("OIDC_REDIRECT_URIS is required");
  process.exit(2);
}

const configuration = {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: redirectUris,
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name"],
  },
  conformIdTokenClaims: process.env.OIDC_CLAIMS_IN_ID_TOKEN !== "1",
  cookies: { keys: ["test-cookie-key-not-for-production"] },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  async findAccount(_ctx, id) {
    const person = PEOPLE[id];
    if (!person) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...person };
      },
    };
  },
  // The test client is first-party: no consent screen.
  async loadExistingGrant(ctx) {
    const { client, session } = ctx.oidc;
    const existing = session.grantIdFor(client.clientId);
    if (existing) return ctx.oidc.provider.Grant.find(existing);
    const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
};

const server = await new Promise((resolve) => {
  const listener = (issuer) => {
    const provider = new Provider(issuer, configuration);
    return provider.callback();
  };
  // The issuer names the port, which is known only once listening.
  let handler = null;
  const http = createServer((req, res) => handler(req, res));
  http.listen(port, "127.0.0.1", () => {
    const issuer = process.env.OIDC_ISSUER || `http://127.0.0.1:${http.address().port}`;
    handler = listener(issuer);
    resolve(http);
  });
});
console.log(`listening on ${server.address().port}`);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
