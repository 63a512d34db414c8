import { join } from "node:path";
import { App } from "cdktf";
import { environments } from "./stacks/config";
import { contentHash } from "./stacks/content-hash";
import { stackNames } from "./stacks/naming";
import { resolveEnvironments } from "./stacks/validate";
import { AppStack } from "./stacks/app-stack";
import { BootstrapStack } from "./stacks/bootstrap-stack";
import { NetworkStack } from "./stacks/network-stack";

// Every environment is validated before any stack exists, so a config mistake
// stops synth with one message and writes nothing.
const configs = resolveEnvironments(environments);
const containerHash = contentHash(join(__dirname, "container"));

const app = new App();
for (const config of configs) {
  const names = stackNames(config.name);
  new BootstrapStack(app, names.bootstrap, { config });
  const network = new NetworkStack(app, names.network, { config });
  new AppStack(app, names.app, {
    config,
    network,
    // Terraform runs in cdktf.out/stacks/<stack>/; the build context is container/.
    containerContext: "${path.module}/../../../container",
    containerHash,
  });
}
app.synth();
