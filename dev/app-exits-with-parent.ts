/**
 * Preloaded into the container app by app-process.ts (dev and tests only; the image
 * never loads it): when whatever started the app dies without stopping it, the app
 * stops itself as ECS would stop it, so its port is free for the next run.
 */
import { whenParentExits } from "./parent-watch";

whenParentExits(() => process.kill(process.pid, "SIGTERM"));
