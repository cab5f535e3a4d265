// Preloaded into twilio-cli by the tests (NODE_OPTIONS=--require …/redirect.js): twilio-cli has no
// host option, so every request it makes to *.twilio.com goes to CONNECTAPPS_BASE_URL (http://host:port)
// instead. Only where a request goes changes: its method, path, query, headers and body are untouched.
'use strict';

const http = require('http');
const https = require('https');

const target = new URL(process.env.CONNECTAPPS_BASE_URL);

function isTwilio(hostname) {
  return hostname === 'twilio.com' || String(hostname).endsWith('.twilio.com');
}

function options(input, extra) {
  if (typeof input === 'string' || input instanceof URL) {
    const url = new URL(input);
    return { protocol: url.protocol, hostname: url.hostname, port: url.port, path: url.pathname + url.search, ...extra };
  }
  return { ...input };
}

function redirected(original) {
  return function request(input, extra, callback) {
    if (typeof extra === 'function') {
      callback = extra;
      extra = undefined;
    }
    const opts = options(input, extra);
    if (!isTwilio(opts.hostname || opts.host)) {
      return original.call(this, input, extra, callback);
    }
    const moved = { ...opts, protocol: 'http:', hostname: target.hostname, host: undefined, port: target.port };
    delete moved.agent; // an https agent cannot carry plain http
    return http.request(moved, callback);
  };
}

https.request = redirected(https.request);
https.get = function get(input, extra, callback) {
  const req = https.request(input, extra, callback);
  req.end();
  return req;
};
