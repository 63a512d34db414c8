/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  setupFilesAfterEnv: ["<rootDir>/setup.js"],
  // Transpile only (no type check per file: `npm run typecheck` does that once).
  transform: {
    "^.+\\.[tj]s$": ["ts-jest", { tsconfig: { isolatedModules: true, allowJs: true, esModuleInterop: true, module: "commonjs", target: "ES2022" }, diagnostics: false }],
  },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
  testTimeout: 30000,
};
