// The replayer's side for the intercept benchmark: connects to an intercept, ADDs a route for
// every session of intercept-flows.ts, prints "ready <routes>", then "records <n>" (received so
// far) every 100 ms until killed.
// Usage: node --import tsx intercept-client.ts <intercept host> <port>
import { InterceptClient } from '../src/intercept/client.ts';
import { clientIpOf, SESSIONS, sessionOf, TARGET_IP, TARGET_PORT } from './intercept-flows.ts';

const [host, portText] = process.argv.slice(2);
let records = 0;
const client = await InterceptClient.connect({
  endpoints: [{ host, port: Number(portText) }],
  onRecord: () => {
    records++;
  },
});
for (let i = 0; i < SESSIONS; i++) {
  const { client: c, port } = sessionOf(i);
  client.add({ clientIp: clientIpOf(c), clientPort: port, targetIp: TARGET_IP, targetPort: TARGET_PORT });
}
client.flush();
// The intercept applies the ADDs as they arrive; give it a moment before the responses come.
await new Promise((r) => setTimeout(r, 300));
console.log(`ready ${SESSIONS}`);
setInterval(() => console.log(`records ${records}`), 100);
