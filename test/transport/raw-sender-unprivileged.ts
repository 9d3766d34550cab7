// Run without privilege by raw-sender.test.ts: opening the raw socket must explain what is missing.
import { RawSocketSender } from '../../src/transport/raw-sender.ts';

try {
  new RawSocketSender();
  console.log('opened a raw socket without privilege?');
} catch (err) {
  console.log((err as Error).message);
}
