import { full, minimal } from "../fixtures/environments";
import { buildEnvironment, synthText } from "../helpers/synth";

describe.each([
  ["minimal", minimal],
  ["full", full],
])("%s environment", (_name, config) => {
  const stacks = buildEnvironment(config);
  it.each(["bootstrap", "network", "app"] as const)("synthesizes the %s stack as in the snapshot", (which) => {
    const json = synthText(stacks[which]);
    // Stable across machines: no absolute paths, no timestamps.
    expect(json).not.toContain(process.cwd());
    expect(json).toMatchSnapshot();
  });
});
