// API keys with the official twilio-node client: make one with the auth token, then authenticate with it.
// Usage: node keys.js BASE_URL ACCOUNT_SID AUTH_TOKEN CONNECT_APP_SID
"use strict";
const twilio = require("twilio");

async function failure(promise) {
  try {
    await promise;
    return null;
  } catch (err) {
    return { status: err.status, code: err.code, message: err.message };
  }
}

async function main() {
  const [baseUrl, accountSid, authToken, appSid] = process.argv.slice(2);
  const admin = twilio(accountSid, authToken);
  admin.api.baseUrl = baseUrl;
  const out = {};
  const made = await admin.newKeys.create({ friendlyName: "From node" });
  out.created = { sid: made.sid, friendlyName: made.friendlyName, secretLength: made.secret.length };
  out.listed = (await admin.keys.list()).map((k) => k.sid);
  out.renamed = (await admin.keys(made.sid).update({ friendlyName: "Renamed in node" })).friendlyName;

  const client = twilio(made.sid, made.secret, { accountSid });
  client.api.baseUrl = baseUrl;
  out.viaKey = (await client.api.v2010.account.connectApps.list()).map((a) => a.sid);
  out.fetchedViaKey = (await client.api.v2010.account.connectApps(appSid).fetch()).sid;
  out.keysViaKey = await failure(client.keys.list());
  out.removed = await admin.keys(made.sid).remove();
  out.afterRemove = await failure(client.api.v2010.account.connectApps(appSid).fetch());
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err));
  process.exit(1);
});
