#!/usr/bin/env node
'use strict';
// grpc-js passes the target host as the TLS ServerName even when it is an IP address (the
// certificate's IP SANs are still checked); Node warns about that once per process (DEP0123).
// Only that warning is dropped here.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning, ...rest) {
  const code = typeof rest[0] === 'object' && rest[0] !== null ? rest[0].code : rest[1];
  if (code === 'DEP0123') return;
  return emitWarning.call(process, warning, ...rest);
};
require('../dist/cli/main.js').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    // A refusal by a server names its gRPC status (e.g. UNAUTHENTICATED) before the reason.
    const status = err && err.name === 'RpcError' && err.code ? `${err.code}: ` : '';
    console.error(`tributary: ${status}${err && err.message ? err.message : err}`);
    process.exitCode = 1;
  },
);
