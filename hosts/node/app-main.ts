/** Entry of the bundled device application (the payload of a firmware image for the Node host). */
import { main } from './app';

void main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
