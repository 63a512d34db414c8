/**
 * The deploy tier (`npm run test:deploy`): deploys, day-2 changes, workflow scripts and
 * tear-down against an emulated AWS account (moto_server, which the test starts and stops).
 * Not part of `npm test`; .ci/run runs it as its own step. Needs `bash .ci/tools.sh` first.
 */
const base = require("./jest.config");

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ["**/deploy/*.deploy.ts"],
  // One emulated account, one deploy at a time.
  maxWorkers: 1,
  testTimeout: 30 * 60 * 1000,
};
