/** Browser test of the local sign-in flow (`npm run test:e2e`); needs Chromium. */
const base = require("./jest.config");

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ["**/e2e/*.e2e.ts"],
  testTimeout: 60000,
};
