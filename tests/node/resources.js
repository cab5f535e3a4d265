// Drives the official twilio-node client on the resources a Connect app acts on, and prints what it saw.
// Usage: node resources.js BASE_URL USERNAME PASSWORD ACCOUNT_SID [READ_ONLY_USERNAME READ_ONLY_PASSWORD]
"use strict";
const twilio = require("twilio");

const TWIML = "https://example.com/twiml";

function account(baseUrl, username, password, accountSid) {
  const client = twilio(username, password, { accountSid });
  client.api.baseUrl = baseUrl;
  return client.api.v2010.account;
}

async function failure(promise) {
  try {
    await promise;
    return null;
  } catch (err) {
    return { status: err.status, code: err.code };
  }
}

async function crud(a) {
  const out = {};
  const messages = [];
  for (const n of [0, 1, 2]) {
    messages.push(await a.messages.create({ to: "+15005550006", from: "+15005550001", body: `Hello ${n}` }));
  }
  out.messageStatuses = messages.map((m) => m.status);
  out.fetchedStatus = (await a.messages(messages[0].sid).fetch()).status;
  out.messagePages = [];
  const first = await a.messages.page({ pageSize: 2 });
  out.messagePages.push(first.instances.map((m) => m.sid));
  const second = await first.nextPage();
  out.messagePages.push(second ? second.instances.map((m) => m.sid) : null);
  out.messageSids = messages.map((m) => m.sid).sort();
  out.redacted = (await a.messages(messages[0].sid).update({ body: "" })).body;
  out.messageRemoved = await a.messages(messages[0].sid).remove();

  const call = await a.calls.create({ to: "+15005550006", from: "+15005550001", url: TWIML });
  out.callStatuses = [call.status, (await a.calls(call.sid).fetch()).status];
  out.callsListed = (await a.calls.list({ pageSize: 1 })).length;
  out.callRemoved = await a.calls(call.sid).remove();

  const number = await a.incomingPhoneNumbers.create({ phoneNumber: "+15005550006" });
  out.numberName = (await a.incomingPhoneNumbers(number.sid).update({ friendlyName: "Main" })).friendlyName;
  out.numbersListed = (await a.incomingPhoneNumbers.list()).length;
  out.numberRemoved = await a.incomingPhoneNumbers(number.sid).remove();

  const app = await a.applications.create({ friendlyName: "Node app", voiceUrl: TWIML });
  out.appMethod = (await a.applications(app.sid).fetch()).voiceMethod;
  out.appsListed = (await a.applications.list()).length;
  out.appRemoved = await a.applications(app.sid).remove();

  const queue = await a.queues.create({ friendlyName: "node-support" });
  const waiting = await a.calls.create({
    to: "+15005550006", from: "+15005550001", twiml: "<Response><Enqueue>node-support</Enqueue></Response>",
  });
  out.members = (await a.queues(queue.sid).members.list()).map((m) => m.callSid);
  out.front = (await a.queues(queue.sid).members("Front").fetch()).callSid;
  out.waitingSid = waiting.sid;
  out.dequeued = (await a.queues(queue.sid).members(waiting.sid).update({ url: TWIML })).callSid;
  out.queueSize = (await a.queues(queue.sid).fetch()).currentSize;
  out.queueRemoved = await a.queues(queue.sid).remove();

  out.usageCategories = [];
  await a.usage.records.each({ pageSize: 2 }, (r) => out.usageCategories.push(r.category));
  out.balance = (await a.balance.fetch()).toJSON();

  const address = await a.addresses.create({
    customerName: "Ada", street: "1 Main St", city: "Springfield", region: "IL", postalCode: "62701", isoCountry: "US",
  });
  out.street = (await a.addresses(address.sid).update({ street: "3 Main St" })).street;
  out.addressesListed = (await a.addresses.list()).length;
  out.addressRemoved = await a.addresses(address.sid).remove();
  out.missing = await failure(a.messages("SM" + "0".repeat(32)).fetch());
  out.invalid = await failure(a.messages.create({ to: "+15005550006", body: "no sender" }));
  return out;
}

async function main() {
  const [baseUrl, username, password, accountSid, roUser, roPassword] = process.argv.slice(2);
  const out = await crud(account(baseUrl, username, password, accountSid));
  if (roUser) {
    const readOnly = account(baseUrl, roUser, roPassword, roUser);
    out.readOnlyList = (await readOnly.messages.list()).length;
    out.readOnlyCreate = await failure(readOnly.messages.create({ to: "+15005550006", from: "+1500", body: "x" }));
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err));
  process.exit(1);
});
