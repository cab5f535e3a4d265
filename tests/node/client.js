// Drives the official twilio-node client against a connectapps server and prints what it saw as JSON.
// Usage: node client.js BASE_URL ACCOUNT_SID AUTH_TOKEN CONNECT_APP_SID
"use strict";
const twilio = require("twilio");

async function main() {
  const [baseUrl, accountSid, authToken, appSid] = process.argv.slice(2);
  const client = twilio(accountSid, authToken);
  client.api.baseUrl = baseUrl;
  const apps = client.api.v2010.account.connectApps;
  const out = {};
  out.fetched = (await apps(appSid).fetch()).toJSON();
  out.updated = (await apps(appSid).update({ friendlyName: "From node", permissions: ["get-all", "post-all"] })).toJSON();
  out.listed = (await apps.list({ pageSize: 2 })).map((a) => a.sid);
  const seen = [];
  await apps.each({ pageSize: 2 }, (a) => seen.push(a.sid));
  out.each = seen;
  const first = await apps.page({ pageSize: 2 });
  const second = await first.nextPage();
  out.pages = [first.instances.map((a) => a.sid), second ? second.instances.map((a) => a.sid) : null];
  try {
    await apps("CN" + "0".repeat(32)).fetch();
    out.missing = null;
  } catch (err) {
    out.missing = { status: err.status, code: err.code, message: err.message, moreInfo: err.moreInfo };
  }
  try {
    await apps(appSid).remove();
    out.removed = null;
  } catch (err) {
    out.removed = { status: err.status, code: err.code };
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err));
  process.exit(1);
});
